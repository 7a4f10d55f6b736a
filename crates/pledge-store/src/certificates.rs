//! Certificates: issued once per person and course when the course is passed (every lesson
//! finished, every assessment at its pass mark), made out to the holder's name as it was then
//! (sealed under their key), and verifiable by anyone who has the certificate's random code.
//! A verification shows the holder's name — that is what a certificate is for — and is
//! audited under the verification service; once the holder is erased their key is gone and the
//! code verifies nothing.

use pledge_audit::Action;
use pledge_domain::{PersonId, PurposeId};
use pledge_policy::ValidPolicy;
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::accounts::broken;
use crate::error::db;
use crate::records::{Field, categories_of, owned_table};
use crate::vault::FieldRef;
use crate::{Store, StoreError};

const HOLDER: FieldRef = FieldRef {
    table: "certificate",
    column: "holder_name",
};

/// The characters a code is made of: no 0/O, 1/I/L that people misread.
const CODE_ALPHABET: &[u8; 31] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// A certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    /// Its id.
    pub id: Uuid,
    /// Whose.
    pub person: PersonId,
    /// The course's title.
    pub course: String,
    /// The course's address.
    pub slug: String,
    /// The public verification code (`XXXX-XXXX-XXXX`).
    pub code: String,
    /// The name it is made out to.
    pub holder: String,
    /// When it was issued.
    pub issued_at: OffsetDateTime,
    /// When it was revoked, if it was.
    pub revoked_at: Option<OffsetDateTime>,
}

/// A fresh verification code: twelve random characters (some 59 bits) in three groups of four.
fn fresh_code() -> Result<String, StoreError> {
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).map_err(|_| StoreError::Randomness)?;
    let letters: Vec<char> = bytes
        .iter()
        .map(|b| {
            CODE_ALPHABET
                .get(usize::from(b % 31))
                .map_or('X', |c| char::from(*c))
        })
        .collect();
    let groups: Vec<String> = letters.chunks(4).map(|g| g.iter().collect()).collect();
    Ok(groups.join("-"))
}

/// `typed` as a code is stored: upper case, spaces dropped.
pub fn normalised_code(typed: &str) -> String {
    typed
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase()
}

fn select_certificates() -> SelectStatement {
    let mut select = Query::select();
    select
        .column(("certificate", "id"))
        .column(("certificate", "person_id"))
        .column(("course", "title"))
        .column(("course", "slug"))
        .column(("certificate", "verification_code"))
        .column(("certificate", "holder_name"))
        .column(("certificate", "issued_at"))
        .column(("certificate", "revoked_at"))
        .from("certificate")
        .inner_join(
            "course",
            Expr::col(("course", "id")).equals(("certificate", "course_id")),
        )
        .order_by(("certificate", "issued_at"), Order::Asc);
    select
}

impl Store {
    fn learning_purpose(policy: &ValidPolicy) -> Result<PurposeId, StoreError> {
        let categories = categories_of(policy, owned_table("certificate")?);
        policy
            .policy()
            .purposes
            .iter()
            .find(|p| p.categories.iter().any(|c| categories.contains(c)))
            .map(|p| p.id.clone())
            .ok_or(StoreError::ModuleDisabled("learning"))
    }

    async fn open_certificates(
        &self,
        select: SelectStatement,
    ) -> Result<Vec<Certificate>, StoreError> {
        let rows = self
            .db
            .query_all(&select)
            .await
            .map_err(db("read certificates"))?;
        let mut certificates = Vec::with_capacity(rows.len());
        for row in &rows {
            let get = broken("certificate");
            let person = PersonId::from_uuid(row.try_get_by_index(1).map_err(&get)?);
            // An erased holder's key is gone: the certificate verifies nothing.
            let Some(key) = self.keys.get(person).await? else {
                continue;
            };
            let sealed: Vec<u8> = row.try_get_by_index(5).map_err(&get)?;
            certificates.push(Certificate {
                id: row.try_get_by_index(0).map_err(&get)?,
                person,
                course: row.try_get_by_index(2).map_err(&get)?,
                slug: row.try_get_by_index(3).map_err(&get)?,
                code: row.try_get_by_index(4).map_err(&get)?,
                holder: key.open_text(HOLDER, &sealed)?,
                issued_at: row.try_get_by_index(6).map_err(&get)?,
                revoked_at: row.try_get_by_index(7).map_err(&get)?,
            });
        }
        Ok(certificates)
    }

    /// Issues `person`'s certificate for the course at `slug` (or returns the one issued
    /// before).
    ///
    /// # Errors
    /// [`StoreError::Invalid`] when the course is not passed yet; failures.
    pub async fn issue_certificate(
        &self,
        policy: &ValidPolicy,
        person: PersonId,
        slug: &str,
        now: OffsetDateTime,
    ) -> Result<Certificate, StoreError> {
        if let Some(existing) = self
            .certificates_of(policy, person, now)
            .await?
            .into_iter()
            .find(|c| c.slug == slug)
        {
            return Ok(existing);
        }
        if !self.passed(policy, person, slug, now).await? {
            return Err(StoreError::Invalid(
                "the certificate comes once every lesson is finished and every assessment passed",
            ));
        }
        let course = self
            .course_by_slug(slug)
            .await?
            .ok_or(StoreError::NoSuchCourse)?;
        let purpose = Self::learning_purpose(policy)?;
        let me = self
            .read_person(person, self.audit.actor(person), purpose, now)
            .await?;
        let fields = vec![
            ("course_id", Field::plain(course.id)),
            ("verification_code", Field::plain(fresh_code()?)),
            ("holder_name", Field::Sealed(me.display_name)),
            ("issued_at", Field::plain(now)),
            ("revoked_at", Field::plain(None::<OffsetDateTime>)),
        ];
        let actor = self.audit.actor(person);
        self.insert_record(policy, "certificate", person, fields, actor, now)
            .await?;
        self.certificates_of(policy, person, now)
            .await?
            .into_iter()
            .find(|c| c.slug == slug)
            .ok_or(StoreError::Corrupt {
                what: "certificate",
            })
    }

    /// `person`'s certificates, oldest first (their transcript's backbone); audited.
    ///
    /// # Errors
    /// Failures.
    pub async fn certificates_of(
        &self,
        policy: &ValidPolicy,
        person: PersonId,
        now: OffsetDateTime,
    ) -> Result<Vec<Certificate>, StoreError> {
        let mut select = select_certificates();
        select.and_where(Expr::col(("certificate", "person_id")).eq(person.as_uuid()));
        let certificates = self.open_certificates(select).await?;
        self.audit_certificate_read(policy, self.audit.actor(person), person, now)
            .await?;
        Ok(certificates)
    }

    /// The certificate with `code`, for anyone verifying it; audited under the verification
    /// service. None for an unknown code or an erased holder.
    ///
    /// # Errors
    /// Failures.
    pub async fn verify_certificate(
        &self,
        policy: &ValidPolicy,
        code: &str,
        now: OffsetDateTime,
    ) -> Result<Option<Certificate>, StoreError> {
        let code = normalised_code(code);
        if code.len() > 32 {
            return Ok(None);
        }
        let mut select = select_certificates();
        select.and_where(Expr::col(("certificate", "verification_code")).eq(code));
        let found = self.open_certificates(select).await?.into_iter().next();
        if let Some(certificate) = &found {
            let actor = self.audit.service("certificate-verification");
            self.audit_certificate_read(policy, actor, certificate.person, now)
                .await?;
        }
        Ok(found)
    }

    async fn audit_certificate_read(
        &self,
        policy: &ValidPolicy,
        actor: pledge_audit::ActorKey,
        person: PersonId,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let event = self.audit.event_about(
            actor,
            Action::Read,
            person,
            categories_of(policy, owned_table("certificate")?),
            Some(Self::learning_purpose(policy)?),
        );
        let txn = self.write_txn("start auditing a read").await?;
        self.audit.append(&txn, vec![event], now).await?;
        txn.commit().await.map_err(db("commit an audited read"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_three_groups_of_unambiguous_letters() {
        let code = fresh_code().unwrap();
        assert_eq!(code.len(), 14);
        assert_eq!(code.matches('-').count(), 2);
        assert!(
            code.chars()
                .all(|c| c == '-' || CODE_ALPHABET.contains(&(c as u8)))
        );
        assert!(!code.contains(['0', 'O', '1', 'I', 'L']));
        assert_ne!(code, fresh_code().unwrap());
    }

    #[test]
    fn typed_codes_are_normalised() {
        assert_eq!(normalised_code(" abcd-efgh-jkmn "), "ABCD-EFGH-JKMN");
    }
}
