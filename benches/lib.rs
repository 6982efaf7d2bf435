//! Shared inputs for the benches: the same bytes go to usp-rs and to peers.

use bytes::Bytes;
use prost::Message as _;
use usp_msg::pb;

/// A NoSessionContext Record carrying a Get (golden vector `record_no_session_context`).
pub const RECORD_WITH_GET: &[u8] =
    include_bytes!("../testdata/vectors/record_no_session_context.bin");

/// A GetResp with 5,000 result params (golden vector `edge_getresp_5000_params`, ~190 KB).
pub const GETRESP_5000: &[u8] = include_bytes!("../testdata/vectors/edge_getresp_5000_params.bin");

/// Builds a GetResp Msg with `n` result params under one resolved path.
pub fn get_resp_msg(n: usize) -> pb::Msg {
    let result_params = (0..n)
        .map(|i| (format!("Param{i:03}"), format!("value-{i}")))
        .collect();
    pb::Msg {
        header: Some(pb::Header {
            msg_id: "bench-get-resp".into(),
            msg_type: pb::header::MsgType::GetResp as i32,
        }),
        body: Some(pb::Body {
            msg_body: Some(pb::body::MsgBody::Response(pb::Response {
                resp_type: Some(pb::response::RespType::GetResp(pb::GetResp {
                    req_path_results: vec![pb::get_resp::RequestedPathResult {
                        requested_path: "Device.WiFi.SSID.1.".into(),
                        err_code: 0,
                        err_msg: String::new(),
                        resolved_path_results: vec![pb::get_resp::ResolvedPathResult {
                            resolved_path: "Device.WiFi.SSID.1.".into(),
                            result_params,
                        }],
                    }],
                })),
            })),
        }),
    }
}

/// The encoded [`get_resp_msg`] with 50 params (about 1.1 KB).
pub fn get_resp_50() -> Bytes {
    Bytes::from(get_resp_msg(50).encode_to_vec())
}
