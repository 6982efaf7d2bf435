//! The engine's undo journal around a [`DataModel`] transaction.

use alloc::string::String;
use alloc::vec::Vec;

use crate::error::DmError;
use crate::model::DataModel;

enum Step {
    Set {
        object: String,
        param: String,
        old: Option<String>,
    },
    Added {
        row: String,
    },
    /// A `writeOnceReadOnly` parameter a Controller wrote; marked at commit.
    Written {
        object: String,
        param: String,
    },
}

/// A transaction: [`DataModel::begin`] on creation; every change goes through it so it can be
/// undone in part (R-SET.2a) or whole (allow_partial = false).
pub(crate) struct Tx<'m, M: ?Sized> {
    pub(crate) dm: &'m mut M,
    journal: Vec<Step>,
}

impl<'m, M: DataModel + ?Sized> Tx<'m, M> {
    pub(crate) fn begin(dm: &'m mut M) -> Self {
        dm.begin();
        Self {
            dm,
            journal: Vec::new(),
        }
    }

    /// Position in the journal, for [`Tx::undo_to`].
    pub(crate) fn mark(&self) -> usize {
        self.journal.len()
    }

    pub(crate) fn set(&mut self, object: &str, param: &str, value: &str) -> Result<(), DmError> {
        let old = self
            .dm
            .get(object, param)
            .map(alloc::borrow::Cow::into_owned);
        self.dm.set(object, param, value)?;
        self.journal.push(Step::Set {
            object: String::from(object),
            param: String::from(param),
            old,
        });
        Ok(())
    }

    pub(crate) fn added(&mut self, row: String) {
        self.journal.push(Step::Added { row });
    }

    /// Notes a Controller's write of a `writeOnceReadOnly` parameter, for
    /// [`DataModel::mark_written_once`] at commit (dropped if undone).
    pub(crate) fn written_once(&mut self, object: String, param: String) {
        self.journal.push(Step::Written { object, param });
    }

    /// Undoes the changes after `mark`, newest first, through the model (best effort: a model
    /// refusing the undo leaves that change in place).
    pub(crate) fn undo_to(&mut self, mark: usize) {
        while self.journal.len() > mark {
            match self.journal.pop() {
                Some(Step::Set { object, param, old }) => {
                    if let Some(old) = old {
                        let _ = self.dm.set(&object, &param, &old);
                    }
                }
                Some(Step::Added { row }) => {
                    let _ = self.dm.delete(&row);
                }
                Some(Step::Written { .. }) => {}
                None => break,
            }
        }
    }

    /// Undoes everything: the model's own rollback, or the journal if it has none. Returns
    /// whether the model rolled back natively (only then are deletes undone too).
    pub(crate) fn rollback(mut self) -> bool {
        if self.dm.rollback() {
            return true;
        }
        self.undo_to(0);
        self.dm.commit();
        false
    }

    /// Keeps the changes: marks the `writeOnceReadOnly` writes that stayed, then commits.
    pub(crate) fn commit(self) {
        for s in &self.journal {
            if let Step::Written { object, param } = s {
                self.dm.mark_written_once(object, param);
            }
        }
        self.dm.commit();
    }
}
