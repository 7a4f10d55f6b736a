//! People: created with a fresh data key, read with an audit entry, erased by crypto-shredding.

use std::collections::BTreeSet;

use pledge_audit::{Action, ActorKey, Event};
use pledge_domain::{AgeBand, CategoryId, PersonId, PurposeId};
use pledge_policy::ValidPolicy;
use sea_orm::{
    ActiveModelTrait, ActiveValue, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter,
};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::entity::person;
use crate::error::db;
use crate::vault::FieldRef;
use crate::{DataKey, Store, StoreError};

const NAME: FieldRef = FieldRef {
    table: "person",
    column: "display_name",
};
const EMAIL: FieldRef = FieldRef {
    table: "person",
    column: "email",
};
const BIRTH: FieldRef = FieldRef {
    table: "person",
    column: "date_of_birth",
};

/// The data of a new person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPerson {
    /// The name they go by.
    pub display_name: String,
    /// Their email address.
    pub email: String,
    /// Their date of birth, when the policy needs it.
    pub date_of_birth: Option<Date>,
}

/// A person as callers see them (never the row itself).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PersonView {
    /// Their id.
    pub id: PersonId,
    /// The name they go by.
    pub display_name: String,
    /// Their email address.
    pub email: String,
    /// Their date of birth, if known.
    pub date_of_birth: Option<Date>,
}

pub(crate) fn contact_details() -> BTreeSet<CategoryId> {
    CategoryId::new("contact-details")
        .map(|c| [c].into())
        .unwrap_or_default()
}

fn seal_opt(
    key: &DataKey,
    field: FieldRef,
    value: Option<&[u8]>,
) -> Result<Option<Vec<u8>>, StoreError> {
    value.map(|v| key.seal(field, v)).transpose()
}

impl Store {
    fn event(
        &self,
        actor: ActorKey,
        action: Action,
        person: PersonId,
        purpose: Option<PurposeId>,
    ) -> Event {
        self.audit
            .event_about(actor, action, person, contact_details(), purpose)
    }

    /// Creates a person: a fresh data key in the key store, their sealed row and an audit entry
    /// in one transaction of the main database.
    ///
    /// # Errors
    /// Key-store, randomness or database failures; nothing is half-written in the main
    /// database (an unused key may remain in the key store, which holds no personal data).
    pub async fn create_person(
        &self,
        new: &NewPerson,
        actor: ActorKey,
        now: OffsetDateTime,
    ) -> Result<PersonId, StoreError> {
        let txn = self.write_txn("start creating a person").await?;
        let id = self.insert_person_with(&txn, new, actor, now).await?;
        txn.commit().await.map_err(db("commit a new person"))?;
        Ok(id)
    }

    /// Creates a person inside `txn`, acting as themselves (a registration).
    pub(crate) async fn insert_person_in(
        &self,
        txn: &DatabaseTransaction,
        new: &NewPerson,
        now: OffsetDateTime,
    ) -> Result<PersonId, StoreError> {
        let id = PersonId::from_uuid(Uuid::now_v7());
        self.insert_person_as(txn, id, new, self.audit.actor(id), now)
            .await
    }

    async fn insert_person_with(
        &self,
        txn: &DatabaseTransaction,
        new: &NewPerson,
        actor: ActorKey,
        now: OffsetDateTime,
    ) -> Result<PersonId, StoreError> {
        let id = PersonId::from_uuid(Uuid::now_v7());
        self.insert_person_as(txn, id, new, actor, now).await
    }

    /// A fresh data key in the key store, the sealed row and an audit entry inside `txn`.
    async fn insert_person_as(
        &self,
        txn: &DatabaseTransaction,
        id: PersonId,
        new: &NewPerson,
        actor: ActorKey,
        now: OffsetDateTime,
    ) -> Result<PersonId, StoreError> {
        let key = self.keys.create(id, now).await?;
        let birth = new.date_of_birth.map(|d| d.to_string());
        let row = person::ActiveModel {
            id: ActiveValue::Set(id.as_uuid()),
            display_name: ActiveValue::Set(Some(key.seal(NAME, new.display_name.as_bytes())?)),
            email: ActiveValue::Set(Some(key.seal(EMAIL, new.email.as_bytes())?)),
            date_of_birth: ActiveValue::Set(seal_opt(
                &key,
                BIRTH,
                birth.as_deref().map(str::as_bytes),
            )?),
            created_at: ActiveValue::Set(now),
            erasure_started_at: ActiveValue::Set(None),
            erased_at: ActiveValue::Set(None),
        };
        row.insert(txn).await.map_err(db("store a person"))?;
        let event = self.event(actor, Action::Create, id, Some(purpose("account")?));
        self.audit.append(txn, vec![event], now).await?;
        Ok(id)
    }

    /// Replaces `person`'s display name inside `txn` (a guardian naming themselves when they
    /// accept an invitation).
    pub(crate) async fn set_display_name_in(
        &self,
        txn: &DatabaseTransaction,
        key: &DataKey,
        person: PersonId,
        name: &str,
    ) -> Result<(), StoreError> {
        let row = person::ActiveModel {
            id: ActiveValue::Unchanged(person.as_uuid()),
            display_name: ActiveValue::Set(Some(key.seal(NAME, name.as_bytes())?)),
            ..Default::default()
        };
        row.update(txn).await.map_err(db("store a name"))?;
        Ok(())
    }

    /// Reads a person for `purpose`, writing the read to the audit log first (K30).
    ///
    /// # Errors
    /// [`StoreError::PersonNotFound`], [`StoreError::Erased`], or failures.
    pub async fn read_person(
        &self,
        id: PersonId,
        actor: ActorKey,
        purpose_id: PurposeId,
        now: OffsetDateTime,
    ) -> Result<PersonView, StoreError> {
        let view = self.open_live(id).await?;
        let txn = self.write_txn("start auditing a read").await?;
        self.audit
            .append(
                &txn,
                vec![self.event(actor, Action::Read, id, Some(purpose_id))],
                now,
            )
            .await?;
        txn.commit().await.map_err(db("commit an audited read"))?;
        Ok(view)
    }

    /// Registers a person under `policy`'s age rule: someone below the minimum age is refused
    /// and nothing about them is kept — no key, no row, no audit entry (K43).
    ///
    /// # Errors
    /// [`StoreError::BelowMinimumAge`], or what [`Store::create_person`] returns.
    pub async fn register_person(
        &self,
        new: &NewPerson,
        policy: &ValidPolicy,
        actor: ActorKey,
        now: OffsetDateTime,
    ) -> Result<PersonId, StoreError> {
        let rule = policy.age_rule();
        if rule.classify(new.date_of_birth, now.date()) == AgeBand::BelowMinimum {
            return Err(StoreError::BelowMinimumAge {
                minimum: rule.minimum_age(),
            });
        }
        self.create_person(new, actor, now).await
    }

    /// Erases at once everyone whose date of birth shows they are below `policy`'s minimum age
    /// (K43: "if we discover that we've inadvertently collected information from a child, we'll
    /// delete it immediately"). Returns who was erased.
    ///
    /// # Errors
    /// Database or key-store failures; people erased before a failure stay erased, and a rerun
    /// finishes the rest.
    pub async fn erase_below_minimum_age(
        &self,
        policy: &ValidPolicy,
        actor: ActorKey,
        now: OffsetDateTime,
    ) -> Result<Vec<PersonId>, StoreError> {
        let rule = policy.age_rule();
        let live = person::Entity::find()
            .filter(person::Column::ErasedAt.is_null())
            .filter(person::Column::DateOfBirth.is_not_null())
            .all(&self.db)
            .await
            .map_err(db("list people with a date of birth"))?;
        let mut underage = Vec::new();
        let mut reads = Vec::new();
        for row in live {
            let id = PersonId::from_uuid(row.id);
            let Some(key) = self.keys.get(id).await? else {
                // The key is gone, so an erasure stopped half-way: finish it.
                underage.push(id);
                continue;
            };
            // Only the date of birth is opened, and the read is audited like any other.
            let Some(Ok(birth)) = row
                .date_of_birth
                .as_deref()
                .map(|sealed| open_birth(&key, sealed))
            else {
                continue;
            };
            let mut event = self.event(actor, Action::Read, id, Some(purpose("age-verification")?));
            event.categories = CategoryId::new("date-of-birth")
                .map(|c| [c].into())
                .unwrap_or_default();
            reads.push(event);
            if rule.classify(Some(birth), now.date()) == AgeBand::BelowMinimum {
                underage.push(id);
            }
        }
        if !reads.is_empty() {
            let txn = self.write_txn("start auditing an age check").await?;
            self.audit.append(&txn, reads, now).await?;
            txn.commit()
                .await
                .map_err(db("commit an audited age check"))?;
        }
        let mut erased = Vec::new();
        for id in underage {
            match self.erase_person(id, policy, actor, now).await {
                Ok(_) => erased.push(id),
                // A legal hold wins; the child is erased once it is released.
                Err(StoreError::Held { .. }) => {}
                Err(other) => return Err(other),
            }
        }
        Ok(erased)
    }

    /// Reads and opens a person who has not been erased.
    pub(crate) async fn open_live(&self, id: PersonId) -> Result<PersonView, StoreError> {
        let row = person::Entity::find_by_id(id.as_uuid())
            .one(&self.db)
            .await
            .map_err(db("read a person"))?
            .ok_or(StoreError::PersonNotFound(id))?;
        if row.erased_at.is_some() {
            return Err(StoreError::Erased(id));
        }
        let key = self.keys.get(id).await?.ok_or(StoreError::Erased(id))?;
        open_person(&key, id, &row)
    }

    /// Exports everything the store holds about a person (their access and portability
    /// request), writing an export entry to the audit log in the same transaction.
    ///
    /// # Errors
    /// [`StoreError::PersonNotFound`], [`StoreError::Erased`], or failures.
    pub async fn export_person(
        &self,
        id: PersonId,
        actor: ActorKey,
        now: OffsetDateTime,
    ) -> Result<PersonView, StoreError> {
        let view = self.open_live(id).await?;
        let txn = self.write_txn("start auditing an export").await?;
        let event = self.event(actor, Action::Export, id, Some(purpose("access-request")?));
        self.audit.append(&txn, vec![event], now).await?;
        txn.commit().await.map_err(db("commit an audited export"))?;
        Ok(view)
    }
}

pub(crate) fn purpose(id: &str) -> Result<PurposeId, StoreError> {
    PurposeId::new(id).map_err(|_| StoreError::Corrupt { what: "purpose id" })
}

/// Opens a sealed date of birth.
fn open_birth(key: &DataKey, sealed: &[u8]) -> Result<Date, StoreError> {
    let text = key.open_text(BIRTH, sealed)?;
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(&text, format).map_err(|_| StoreError::Corrupt {
        what: "date of birth",
    })
}

/// Opens a person's sealed fields with their key.
pub(crate) fn open_person(
    key: &DataKey,
    id: PersonId,
    row: &person::Model,
) -> Result<PersonView, StoreError> {
    let text = |field: FieldRef, value: &Option<Vec<u8>>| -> Result<String, StoreError> {
        value
            .as_deref()
            .map_or(Ok(String::new()), |sealed| key.open_text(field, sealed))
    };
    let birth = match &row.date_of_birth {
        None => None,
        Some(sealed) => {
            let text = key.open_text(BIRTH, sealed)?;
            let format = time::macros::format_description!("[year]-[month]-[day]");
            Some(Date::parse(&text, format).map_err(|_| StoreError::Corrupt {
                what: "date of birth",
            })?)
        }
    };
    Ok(PersonView {
        id,
        display_name: text(NAME, &row.display_name)?,
        email: text(EMAIL, &row.email)?,
        date_of_birth: birth,
    })
}
