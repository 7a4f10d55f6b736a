//! Personal records in every module, driven by the declarations in [`crate::declared`]: written
//! with their personal columns sealed under the owner's data key, read back for the access
//! export, and erased the way each table declares.
//!
//! Typed repositories (the portal's) are thin layers over these functions; going through them
//! is what guarantees that no personal column is ever written in the clear, that a module the
//! deployed policy does not enable is never written, and that every write is audited.

use std::collections::BTreeSet;

use pledge_audit::{Action, ActorKey};
use pledge_domain::{CategoryId, PersonId};
use pledge_policy::ValidPolicy;
use sea_orm::sea_query::{Cond, Expr, ExprTrait, Func, Query};
use sea_orm::{ConnectionTrait, DatabaseTransaction, QueryResult, Value as DbValue};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use crate::declared::{self, Database, Erasure, Kind, TableDeclaration};
use crate::error::db;
use crate::vault::FieldRef;
use crate::{DataKey, Store, StoreError};

/// A value to write into a column.
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    /// Personal data, sealed under the owner's key before it reaches the database.
    Sealed(String),
    /// Anything else, as the database stores it.
    Plain(DbValue),
}

impl Field {
    /// A plain value.
    pub fn plain(value: impl Into<DbValue>) -> Self {
        Self::Plain(value.into())
    }
}

/// The declaration of a main-database table that a caller may write or read records of.
pub(crate) fn owned_table(name: &str) -> Result<&'static TableDeclaration, StoreError> {
    declared::table(Database::Main, name)
        .filter(|t| t.is_owned())
        .ok_or(StoreError::UnknownTable(name.to_owned()))
}

/// The categories of `policy` that claim `table`'s rows or any of its sealed columns.
pub(crate) fn categories_of(
    policy: &ValidPolicy,
    table: &TableDeclaration,
) -> BTreeSet<CategoryId> {
    declared::claims_of(table)
        .iter()
        .filter_map(|claim| declared::category_of(policy, claim))
        .filter_map(|id| CategoryId::new(id).ok())
        .collect()
}

/// A condition matching the rows of `table` about `person`.
pub(crate) fn owned_by(table: &TableDeclaration, person: PersonId) -> Cond {
    table.owner.iter().fold(Cond::any(), |cond, owner| {
        cond.add(Expr::col(*owner).eq(person.as_uuid()))
    })
}

/// `at` as RFC 3339 text, as exports write times.
pub(crate) fn timestamp(at: OffsetDateTime) -> Result<String, StoreError> {
    at.format(&Rfc3339)
        .map_err(|_| StoreError::Corrupt { what: "timestamp" })
}

/// One exported value, as read from its column: what the export writes as a JSON value, a CSV
/// cell and a cell of the index. Times and ids stay typed so that they are formatted straight
/// into the output, never through a string of their own.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Datum {
    /// No value.
    Null,
    /// Text (opened, for a sealed column).
    Text(String),
    /// A whole number.
    Integer(i64),
    /// True or false.
    Boolean(bool),
    /// An id.
    Uuid(Uuid),
    /// A point in time, written as RFC 3339.
    Time(OffsetDateTime),
}

fn corrupt_value<E>(_: E) -> StoreError {
    StoreError::Corrupt {
        what: "stored value",
    }
}

/// Column `column` of `row` as a `T`, wrapped by `wrap`; [`Datum::Null`] when empty.
fn typed<T: sea_orm::TryGetable>(
    row: &QueryResult,
    column: usize,
    wrap: fn(T) -> Datum,
) -> Result<Datum, StoreError> {
    Ok(row
        .try_get_by_index::<Option<T>>(column)
        .map_err(corrupt_value)?
        .map_or(Datum::Null, wrap))
}

/// Reads one non-sealed column.
fn decode(row: &QueryResult, column: usize, kind: Kind) -> Result<Datum, StoreError> {
    match kind {
        Kind::Uuid => typed(row, column, Datum::Uuid),
        Kind::Text => typed(row, column, Datum::Text),
        // Integer columns are 64-bit, or 32-bit where the schema says so.
        Kind::Integer => typed(row, column, Datum::Integer)
            .or_else(|_| typed(row, column, |n: i32| Datum::Integer(i64::from(n)))),
        Kind::Boolean => typed(row, column, Datum::Boolean),
        Kind::Timestamp => typed(row, column, Datum::Time),
        Kind::Bytes => Ok(Datum::Null),
    }
}

/// Opens a sealed column with `key`; [`Datum::Null`] when the column is empty or there is no
/// key to open it with.
fn unseal(
    row: &QueryResult,
    position: usize,
    table: &'static str,
    column: &'static str,
    key: Option<&DataKey>,
) -> Result<Datum, StoreError> {
    let sealed: Option<Vec<u8>> =
        row.try_get_by_index(position)
            .map_err(|_| StoreError::Corrupt {
                what: "sealed value",
            })?;
    match (sealed, key) {
        (Some(bytes), Some(key)) => Ok(Datum::Text(
            key.open_text(FieldRef { table, column }, &bytes)?,
        )),
        _ => Ok(Datum::Null),
    }
}

fn exported(table: &TableDeclaration, column: &str) -> bool {
    let name = format!("{}.{column}", table.table);
    !declared::NOT_EXPORTED.iter().any(|(c, _)| *c == name)
}

/// The columns of `table` that appear in an export, in declaration order.
pub(crate) fn export_fields(table: &TableDeclaration) -> Vec<&'static str> {
    table.columns().filter(|c| exported(table, c)).collect()
}

/// Hands each of `rows` of `declaration` (read by [`Store::rows_of`]) to `emit` as one value
/// per [`export_fields`] column, in that order, sealed columns opened with `key` (the
/// person's; `None` once erased). The values of one row are only lent, so that no row is kept
/// after it is written.
pub(crate) fn decode_records(
    declaration: &'static TableDeclaration,
    person: PersonId,
    key: Option<&DataKey>,
    rows: &[QueryResult],
    mut emit: impl FnMut(&[Datum]) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let plan = export_plan(declaration);
    let first_owner = declaration
        .owner
        .first()
        .and_then(|owner| position_of(declaration, owner));
    let mut values = Vec::with_capacity(plan.len());
    for row in rows {
        // Sealed columns open with the key of the row's first owner; rows where the person is
        // only a second owner (a guardian's view of a link) hold nothing sealed for them.
        let owner: Option<Uuid> = match first_owner {
            Some(column) => row
                .try_get_by_index(column)
                .map_err(|_| StoreError::Corrupt {
                    what: "record owner",
                })?,
            None => None,
        };
        let own_key = key.filter(|_| owner == Some(person.as_uuid()));
        values.clear();
        for cell in &plan {
            values.push(match *cell {
                Cell::Plain(position, kind) => decode(row, position, kind)?,
                Cell::Sealed(position, column) => {
                    unseal(row, position, declaration.table, column, own_key)?
                }
            });
        }
        emit(&values)?;
    }
    Ok(())
}

/// How an exported column is read: as stored, or opened with the owner's key; each names the
/// column's position in the rows [`Store::rows_of`] reads (the order of
/// [`TableDeclaration::columns`]).
#[derive(Clone, Copy)]
enum Cell {
    Plain(usize, Kind),
    Sealed(usize, &'static str),
}

/// The position of `column` in the rows [`Store::rows_of`] reads.
fn position_of(table: &TableDeclaration, column: &str) -> Option<usize> {
    table.columns().position(|c| c == column)
}

/// [`export_fields`] with how each is read, worked out once per table rather than per row.
fn export_plan(table: &TableDeclaration) -> Vec<Cell> {
    export_fields(table)
        .into_iter()
        .filter_map(|column| {
            let position = position_of(table, column)?;
            if table.personal.contains(&column) {
                Some(Cell::Sealed(position, column))
            } else {
                table
                    .other
                    .iter()
                    .find(|(c, _, _)| *c == column)
                    .map(|(_, kind, _)| Cell::Plain(position, *kind))
            }
        })
        .collect()
}

impl Store {
    /// Writes a record of `person` into `table` inside `txn`: personal columns are sealed under
    /// the person's key, the owner column and `id` are filled in when not given, and the write
    /// is audited in the same transaction. Returns the record's id (the owner's id for tables
    /// keyed by person).
    ///
    /// # Errors
    /// [`StoreError::UnknownTable`], [`StoreError::ModuleDisabled`] when `policy` does not claim
    /// the table's data, [`StoreError::InvalidField`] for an undeclared column or a personal
    /// value given in the clear (or a sealed one for a plain column), [`StoreError::Erased`]
    /// when the person's key is gone, or database failures.
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_record_in(
        &self,
        txn: &DatabaseTransaction,
        policy: &ValidPolicy,
        table: &str,
        person: PersonId,
        fields: Vec<(&'static str, Field)>,
        actor: ActorKey,
        now: OffsetDateTime,
    ) -> Result<Uuid, StoreError> {
        let declaration = owned_table(table)?;
        if declaration.table == "person" {
            return Err(StoreError::UnknownTable(table.to_owned()));
        }
        if !declared::module_enabled(policy, declaration.module) {
            return Err(StoreError::ModuleDisabled(declaration.module));
        }
        let key = self
            .keys
            .get(person)
            .await?
            .ok_or(StoreError::Erased(person))?;
        let (columns, values, id) = prepare_row(declaration, person, fields, &key)?;
        let mut insert = Query::insert();
        insert.into_table(declaration.table).columns(columns);
        insert
            .values(values.into_iter().map(Into::into))
            .map_err(|_| StoreError::InvalidField {
                table: declaration.table,
                column: "(values)".to_owned(),
            })?;
        txn.execute(&insert)
            .await
            .map_err(db("write a personal record"))?;
        let event = self.audit.event_about(
            actor,
            Action::Create,
            person,
            categories_of(policy, declaration),
            None,
        );
        self.audit.append(txn, vec![event], now).await?;
        Ok(id)
    }

    /// Audits that `actor` read `table`'s records of each of `people` (once per person),
    /// under the policy's first purpose that uses that data, in one transaction.
    ///
    /// # Errors
    /// [`StoreError::ModuleDisabled`] when no purpose of the policy uses the data; failures.
    pub(crate) async fn audit_reads(
        &self,
        policy: &ValidPolicy,
        actor: ActorKey,
        table: &str,
        people: &[PersonId],
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut people = people.to_vec();
        people.sort();
        people.dedup();
        if people.is_empty() {
            return Ok(());
        }
        let declaration = owned_table(table)?;
        let categories = categories_of(policy, declaration);
        let purpose = policy
            .policy()
            .purposes
            .iter()
            .find(|p| p.categories.iter().any(|c| categories.contains(c)))
            .map(|p| p.id.clone())
            .ok_or(StoreError::ModuleDisabled(declaration.module))?;
        let events = people
            .iter()
            .map(|person| {
                self.audit.event_about(
                    actor,
                    Action::Read,
                    *person,
                    categories.clone(),
                    Some(purpose.clone()),
                )
            })
            .collect();
        let txn = self.write_txn("start auditing a read").await?;
        self.audit.append(&txn, events, now).await?;
        txn.commit().await.map_err(db("commit an audited read"))
    }

    /// [`Store::insert_record_in`] in a transaction of its own.
    ///
    /// # Errors
    /// As [`Store::insert_record_in`].
    pub async fn insert_record(
        &self,
        policy: &ValidPolicy,
        table: &str,
        person: PersonId,
        fields: Vec<(&'static str, Field)>,
        actor: ActorKey,
        now: OffsetDateTime,
    ) -> Result<Uuid, StoreError> {
        let txn = self.write_txn("start writing a record").await?;
        let id = self
            .insert_record_in(&txn, policy, table, person, fields, actor, now)
            .await?;
        txn.commit().await.map_err(db("commit a record"))?;
        Ok(id)
    }

    /// Every row of `declaration` about `person`, as stored (see [`decode_records`]).
    pub(crate) async fn rows_of(
        &self,
        declaration: &'static TableDeclaration,
        person: PersonId,
    ) -> Result<Vec<QueryResult>, StoreError> {
        let mut select = Query::select();
        select
            .columns(declaration.columns())
            .from(declaration.table)
            .cond_where(owned_by(declaration, person));
        self.db
            .query_all(&select)
            .await
            .map_err(db("read a person's records"))
    }

    /// Applies every owned table's erasure to `person`'s rows inside `txn`, children before
    /// parents, and returns how many rows each table lost, anonymised or kept. The person's own
    /// row is left to the caller.
    pub(crate) async fn erase_records(
        &self,
        txn: &DatabaseTransaction,
        person: PersonId,
    ) -> Result<Vec<(&'static str, Erasure, u64)>, StoreError> {
        let mut done = Vec::new();
        for table in declared::owned_tables()
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
        {
            if table.erasure == Erasure::CryptoShred {
                continue;
            }
            let rows =
                erase_table(txn, table, person, &self.audit.subject(person).to_string()).await?;
            done.push((table.table, table.erasure, rows));
        }
        Ok(done)
    }
}

/// Checks and seals one row's fields; returns columns, values and the row's id.
fn prepare_row(
    declaration: &'static TableDeclaration,
    person: PersonId,
    mut fields: Vec<(&'static str, Field)>,
    key: &DataKey,
) -> Result<(Vec<&'static str>, Vec<DbValue>, Uuid), StoreError> {
    let owner = declaration.owner.first().copied().unwrap_or("person_id");
    if !fields.iter().any(|(c, _)| *c == owner) {
        fields.push((owner, Field::plain(person.as_uuid())));
    }
    let has_id = declaration.other.iter().any(|(c, _, _)| *c == "id");
    let id = match fields.iter().find(|(c, _)| *c == "id") {
        Some((_, Field::Plain(DbValue::Uuid(Some(id))))) => *id,
        Some(_) => {
            return Err(StoreError::InvalidField {
                table: declaration.table,
                column: "id".to_owned(),
            });
        }
        None if has_id => {
            let id = Uuid::now_v7();
            fields.push(("id", Field::plain(id)));
            id
        }
        None => person.as_uuid(),
    };
    let mut columns = Vec::with_capacity(fields.len());
    let mut values = Vec::with_capacity(fields.len());
    for (column, field) in fields {
        let sealed_column = declaration.personal.contains(&column);
        let plain_column = declaration.other.iter().any(|(c, _, _)| *c == column);
        let value = match field {
            Field::Sealed(text) if sealed_column => DbValue::Bytes(Some(key.seal(
                FieldRef {
                    table: declaration.table,
                    column,
                },
                text.as_bytes(),
            )?)),
            Field::Plain(value) if plain_column => value,
            _ => {
                return Err(StoreError::InvalidField {
                    table: declaration.table,
                    column: column.to_owned(),
                });
            }
        };
        columns.push(column);
        values.push(value);
    }
    Ok((columns, values, id))
}

/// Erases one table's rows about `person` the way the table declares.
pub(crate) async fn erase_table(
    txn: &DatabaseTransaction,
    table: &'static TableDeclaration,
    person: PersonId,
    pseudonym: &str,
) -> Result<u64, StoreError> {
    let cleared = |update: &mut sea_orm::sea_query::UpdateStatement| {
        for column in table.personal {
            update.value(*column, DbValue::Bytes(None));
        }
    };
    let result = match table.erasure {
        Erasure::Delete => {
            let mut delete = Query::delete();
            delete
                .from_table(table.table)
                .cond_where(owned_by(table, person));
            txn.execute(&delete).await
        }
        Erasure::Anonymise | Erasure::Pseudonymise { .. } | Erasure::Keep(_) => {
            let mut update = Query::update();
            update
                .table(table.table)
                .cond_where(owned_by(table, person));
            cleared(&mut update);
            match table.erasure {
                Erasure::Anonymise => {
                    for owner in table.owner {
                        update.value(*owner, DbValue::Uuid(None));
                    }
                }
                Erasure::Pseudonymise {
                    pseudonym: column, ..
                } => {
                    update.value(column, pseudonym);
                    for owner in table.owner {
                        update.value(*owner, DbValue::Uuid(None));
                    }
                }
                _ => {}
            }
            if table.personal.is_empty() && matches!(table.erasure, Erasure::Keep(_)) {
                // Nothing to clear: count the rows kept.
                return count_owned(txn, table, person).await;
            }
            txn.execute(&update).await
        }
        Erasure::CryptoShred | Erasure::NotPersonal => return Ok(0),
    };
    Ok(result
        .map_err(db("erase a person's records"))?
        .rows_affected())
}

/// How many rows of `table` are about `person`.
pub(crate) async fn count_owned(
    conn: &impl ConnectionTrait,
    table: &'static TableDeclaration,
    person: PersonId,
) -> Result<u64, StoreError> {
    let mut select = Query::select();
    select
        .expr(Func::count(Expr::col(
            table.owner.first().copied().unwrap_or("id"),
        )))
        .from(table.table)
        .cond_where(owned_by(table, person));
    let found = conn
        .query_one(&select)
        .await
        .map_err(db("count a person's records"))?
        .and_then(|row| row.try_get_by_index::<i64>(0).ok())
        .unwrap_or(0);
    Ok(u64::try_from(found).unwrap_or(0))
}
