//! The examples' Agent on its own: asynchronous operations, Cancel(), Reset().

use usp_controller::{
    CommandResult, Controller, ControllerConfig, ControllerEvent, RequestError, RequestId,
    TypedResult,
};
use usp_e2e::Instant;
use usp_examples::agent::{Agent, SELF_TEST_MS};
use usp_examples::{AGENT_ID, CONTROLLER_ID};
use usp_msg::CreateObject;

struct Pair {
    ctl: Controller,
    agent: Agent,
    now: Instant,
}

impl Pair {
    fn new() -> Self {
        let now = Instant::ZERO;
        let cfg = ControllerConfig::new(CONTROLLER_ID, AGENT_ID).expect("config");
        Self {
            ctl: Controller::new(cfg, now).expect("controller"),
            agent: Agent::demo(now).expect("agent"),
            now,
        }
    }

    /// Moves Records both ways until neither side has any left.
    fn pump(&mut self) {
        for _ in 0..1_000 {
            let mut moved = false;
            while let Some(w) = self.ctl.poll_transmit() {
                moved = true;
                self.agent
                    .handle_record(self.now, w)
                    .expect("agent takes it");
            }
            while let Some(w) = self.agent.poll_transmit() {
                moved = true;
                self.ctl
                    .handle_record(self.now, w)
                    .expect("controller takes it");
            }
            if !moved {
                return;
            }
        }
        panic!("the pair never went quiet");
    }

    fn answer(&mut self, id: RequestId) -> Result<TypedResult, RequestError> {
        self.pump();
        while let Some(e) = self.ctl.poll_event() {
            if let ControllerEvent::Response { id: got, result } = e {
                if got == id {
                    return result;
                }
            }
        }
        panic!("no answer to {id:?}");
    }

    fn operate(&mut self, command: &str) -> CommandResult {
        let id = self
            .ctl
            .operate(self.now, command, "k", true, Vec::<(String, String)>::new())
            .expect("request queued");
        let mut op = self
            .answer(id)
            .expect("an OperateResp")
            .into_operate()
            .expect("an OperateResp");
        assert_eq!(op.results.len(), 1, "{op:?}");
        op.results.remove(0).result
    }

    /// Jumps to `ms` and fires every timer due by then.
    fn advance_to(&mut self, ms: u64) {
        self.now = Instant::from_millis(ms);
        self.ctl.handle_timeout(self.now);
        self.agent.handle_timeout(self.now).expect("timeout");
        self.pump();
    }
}

/// R-OPR.0/R-OPR.2: the asynchronous self test gets a Request row and completes after
/// SELF_TEST_MS (the row is then removed).
#[test]
fn self_test_completes_after_its_run_time() {
    let mut p = Pair::new();
    assert_eq!(
        p.operate("Device.SelfTestDiagnostics()"),
        CommandResult::RequestObjPath("Device.LocalAgent.Request.1.".into())
    );
    assert_eq!(
        p.agent.poll_timeout(),
        Some(Instant::from_millis(SELF_TEST_MS))
    );
    p.advance_to(SELF_TEST_MS - 1);
    assert_eq!(p.agent.stats().operations_completed, 0);
    p.advance_to(SELF_TEST_MS);
    assert_eq!(p.agent.stats().operations_completed, 1);
    // No subscription: no Notify.
    assert_eq!(p.agent.stats().notifies_sent, 0);
    let id = p
        .ctl
        .get(p.now, &["Device.LocalAgent.Request."], 0)
        .expect("queued");
    let values = p.answer(id).expect("GetResp").into_get().expect("a Get");
    assert!(values.values.is_empty(), "{values:?}");
}

/// `Device.LocalAgent.Request.{i}.Cancel()` stops the self test (the examples' commands
/// agree to cancel): it never completes.
#[test]
fn canceled_self_test_never_completes() {
    let mut p = Pair::new();
    let CommandResult::RequestObjPath(row) = p.operate("Device.SelfTestDiagnostics()") else {
        panic!("not started");
    };
    assert!(matches!(
        p.operate(&format!("{row}Cancel()")),
        CommandResult::OutputArgs(_)
    ));
    assert_eq!(p.agent.commands().next_due(), None);
    p.advance_to(SELF_TEST_MS * 2);
    assert_eq!(p.agent.stats().operations_completed, 0);
}

/// The synchronous commands run inside the request (R-OPR.1: output arguments, no Request
/// row): Reboot() and Reset() are recorded.
#[test]
fn sync_commands_run() {
    let mut p = Pair::new();
    assert_eq!(
        p.operate("Device.Reboot()"),
        CommandResult::OutputArgs(Default::default())
    );
    assert_eq!(p.agent.commands().reboots(), 1);

    let id = p
        .ctl
        .add(
            p.now,
            false,
            [CreateObject::new("Device.IP.Interface.").required_param("Alias", "lan")],
        )
        .expect("queued");
    p.answer(id).expect("AddResp");
    assert_eq!(
        p.operate("Device.IP.Interface.1.Reset()"),
        CommandResult::OutputArgs(Default::default())
    );
    assert_eq!(p.agent.commands().resets(), ["Device.IP.Interface.1."]);
}
