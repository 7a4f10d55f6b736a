//! Small building blocks shared by the migrations from `000006` on. They are frozen: a
//! migration that has run must build the same schema forever, so a change here would rewrite
//! history. A new shape gets a new function.

use sea_orm_migration::{prelude::*, schema::*};

/// A table with a random UUID primary key named `id`.
pub(super) fn table(name: &'static str) -> TableCreateStatement {
    Table::create().table(name).col(pk_uuid("id")).to_owned()
}

/// A sealed personal column: ciphertext, empty once cleared.
pub(super) fn sealed(name: &'static str) -> ColumnDef {
    blob_null(name)
}

/// A foreign key whose rows go when their parent row goes.
pub(super) fn cascade(
    table: &'static str,
    column: &'static str,
    parent: &'static str,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("{table}_{column}_fk"))
        .from(table, column)
        .to(parent, "id")
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

/// An index on one column.
pub(super) fn index(table: &'static str, column: &'static str) -> IndexCreateStatement {
    Index::create()
        .name(format!("{table}_{column}"))
        .table(table)
        .col(column)
        .to_owned()
}

/// A unique index on one column.
pub(super) fn unique(table: &'static str, column: &'static str) -> IndexCreateStatement {
    index(table, column).unique().to_owned()
}

/// Creates `tables` in order, then `indexes`.
pub(super) async fn create(
    manager: &SchemaManager<'_>,
    tables: Vec<TableCreateStatement>,
    indexes: Vec<IndexCreateStatement>,
) -> Result<(), DbErr> {
    for table in tables {
        manager.create_table(table).await?;
    }
    for index in indexes {
        manager.create_index(index).await?;
    }
    Ok(())
}

/// Drops `tables` in reverse order (children before parents).
pub(super) async fn drop(
    manager: &SchemaManager<'_>,
    tables: &[&'static str],
) -> Result<(), DbErr> {
    for table in tables.iter().rev() {
        manager
            .drop_table(Table::drop().table(*table).to_owned())
            .await?;
    }
    Ok(())
}
