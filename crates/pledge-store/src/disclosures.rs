//! Disclosures to partners: checked against the policy's partner registry before they are
//! recorded, and listed per person — for their export ("who received my data") and for
//! telling recipients about corrections (K21).
//!
//! A disclosure is refused unless the policy declares the partner, the partner receives every
//! category sent, and the purpose is one the partner serves (J07, J40: sharing only for the
//! listed reasons; K19: only the minimum necessary, so the categories sent are recorded).

use std::collections::BTreeSet;

use pledge_audit::{Action, ActorKey};
use pledge_domain::{CategoryId, PartnerId, PersonId, PurposeId};
use pledge_policy::ValidPolicy;
use sea_orm::{ActiveModelTrait, ActiveValue, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::entity::disclosure;
use crate::error::db;
use crate::{Store, StoreError};

/// A disclosure about to be recorded: what was sent about whom, to whom, and why.
#[derive(Debug, Clone, Copy)]
pub struct NewDisclosure<'a> {
    /// Whose data.
    pub person: PersonId,
    /// The recipient, as the policy names it.
    pub partner: &'a PartnerId,
    /// Why.
    pub purpose: &'a PurposeId,
    /// Which categories of data were sent (no more than needed, K19).
    pub categories: &'a [CategoryId],
}

/// A recorded disclosure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisclosureView {
    /// The recipient, as the policy names it.
    pub partner: PartnerId,
    /// Why.
    pub purpose: PurposeId,
    /// On which legal basis (as the policy writes it).
    pub basis: String,
    /// Which categories of data were sent.
    pub categories: Vec<CategoryId>,
    /// When.
    pub sent_at: OffsetDateTime,
}

fn view(row: disclosure::Model) -> Result<DisclosureView, StoreError> {
    let corrupt = |what| StoreError::Corrupt { what };
    Ok(DisclosureView {
        partner: PartnerId::new(row.partner).map_err(|_| corrupt("disclosure partner"))?,
        purpose: PurposeId::new(row.purpose).map_err(|_| corrupt("disclosure purpose"))?,
        basis: row.basis,
        categories: row
            .categories
            .split(',')
            .filter(|c| !c.is_empty())
            .map(|c| CategoryId::new(c).map_err(|_| corrupt("disclosure category")))
            .collect::<Result<_, _>>()?,
        sent_at: row.sent_at,
    })
}

impl Store {
    /// Records that the disclosure's categories of a person's data were sent to its partner for
    /// its purpose.
    ///
    /// # Errors
    /// [`StoreError::DisclosureRefused`] when the policy does not allow it (unknown partner, a
    /// category the partner does not receive, a purpose it does not serve, nothing to send);
    /// [`StoreError::Restricted`] when the person restricted processing for the purpose;
    /// database failures.
    pub async fn record_disclosure(
        &self,
        disclosure: NewDisclosure<'_>,
        policy: &ValidPolicy,
        actor: ActorKey,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let NewDisclosure {
            person,
            partner,
            purpose,
            categories,
        } = disclosure;
        let registered = policy
            .partner(partner)
            .ok_or(StoreError::DisclosureRefused(
                "the policy declares no such partner",
            ))?;
        if categories.is_empty() {
            return Err(StoreError::DisclosureRefused(
                "a disclosure must name what was sent",
            ));
        }
        if !categories.iter().all(|c| registered.receives.contains(c)) {
            return Err(StoreError::DisclosureRefused(
                "the partner does not receive every category sent",
            ));
        }
        if !registered.purposes.contains(purpose) {
            return Err(StoreError::DisclosureRefused(
                "the partner does not serve this purpose",
            ));
        }
        // A restriction (GDPR Art. 18) stops every disclosure for the purposes it names.
        self.check_not_restricted(person, purpose.as_str()).await?;
        let basis = registered
            .basis
            .map_or_else(String::new, |b| b.citation().to_owned());
        let sorted: BTreeSet<&CategoryId> = categories.iter().collect();
        let names: Vec<&str> = sorted.iter().map(|c| c.as_str()).collect();
        let row = disclosure::ActiveModel {
            id: ActiveValue::Set(Uuid::now_v7()),
            person_id: ActiveValue::Set(person.as_uuid()),
            partner: ActiveValue::Set(partner.to_string()),
            purpose: ActiveValue::Set(purpose.to_string()),
            basis: ActiveValue::Set(basis),
            categories: ActiveValue::Set(names.join(",")),
            sent_at: ActiveValue::Set(now),
        };
        let sent = categories.iter().cloned().collect();
        let event =
            self.audit
                .event_about(actor, Action::Export, person, sent, Some(purpose.clone()));
        let txn = self.write_txn("start recording a disclosure").await?;
        row.insert(&txn).await.map_err(db("record a disclosure"))?;
        self.audit.append(&txn, vec![event], now).await?;
        txn.commit().await.map_err(db("commit a disclosure"))?;
        Ok(())
    }

    /// Every disclosure of `person`'s data, oldest first.
    ///
    /// # Errors
    /// Database failures.
    pub async fn disclosures_for(
        &self,
        person: PersonId,
    ) -> Result<Vec<DisclosureView>, StoreError> {
        disclosure::Entity::find()
            .filter(disclosure::Column::PersonId.eq(person.as_uuid()))
            .order_by_asc(disclosure::Column::SentAt)
            .all(&self.db)
            .await
            .map_err(db("list disclosures"))?
            .into_iter()
            .map(view)
            .collect()
    }

    /// The partners that received `category` of `person`'s data: who must be told about a
    /// correction of it (K21).
    ///
    /// # Errors
    /// Database failures.
    pub async fn recipients_of(
        &self,
        person: PersonId,
        category: &CategoryId,
    ) -> Result<Vec<PartnerId>, StoreError> {
        let mut partners: Vec<PartnerId> = self
            .disclosures_for(person)
            .await?
            .into_iter()
            .filter(|d| d.categories.contains(category))
            .map(|d| d.partner)
            .collect();
        partners.sort();
        partners.dedup();
        Ok(partners)
    }
}
