//! SeaORM entities. Rows never leave the crate: repositories turn them into wire types.

pub(crate) mod subject_key {
    //! A wrapped per-person data key, in the key store.
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "subject_key")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub person_id: Uuid,
        pub wrapped_key: Vec<u8>,
        pub created_at: TimeDateTimeWithTimeZone,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod person {
    //! A person; every personal field is sealed under their data key.
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "person")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub display_name: Option<Vec<u8>>,
        pub email: Option<Vec<u8>>,
        pub date_of_birth: Option<Vec<u8>>,
        pub created_at: TimeDateTimeWithTimeZone,
        pub erasure_started_at: Option<TimeDateTimeWithTimeZone>,
        pub erased_at: Option<TimeDateTimeWithTimeZone>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod audit_record {
    //! One record of the audit chain.
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "audit_record")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub seq: i64,
        pub mac: Vec<u8>,
        pub entry: Vec<u8>,
        /// The entry's subject pseudonym, copied out for the index (`None`: no subject).
        pub subject: Option<Vec<u8>>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod audit_checkpoint {
    //! A signed checkpoint of the audit chain.
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "audit_checkpoint")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub size: i64,
        pub checkpoint: Vec<u8>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod subject_request {
    //! A data-subject request and its deadline.
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "subject_request")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub person_id: Uuid,
        pub kind: String,
        pub status: String,
        pub received_at: TimeDateTimeWithTimeZone,
        pub due_at: TimeDateTimeWithTimeZone,
        pub extended_due_at: Option<TimeDateTimeWithTimeZone>,
        pub closed_at: Option<TimeDateTimeWithTimeZone>,
        pub details: Option<Vec<u8>>,
        pub requested_by: Option<Uuid>,
        pub identity_verified_at: Option<TimeDateTimeWithTimeZone>,
        pub identity_method: Option<String>,
        pub verified_by: Option<Uuid>,
        pub refusal_reason: Option<String>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod legal_hold {
    //! A legal hold on a person's data.
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "legal_hold")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub person_id: Uuid,
        pub reason: String,
        pub owner: String,
        pub placed_at: TimeDateTimeWithTimeZone,
        pub expires_at: Option<TimeDateTimeWithTimeZone>,
        pub released_at: Option<TimeDateTimeWithTimeZone>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub(crate) mod disclosure {
    //! One disclosure of a person's data to a partner.
    use sea_orm::entity::prelude::*;

    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "disclosure")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub person_id: Uuid,
        pub partner: String,
        pub purpose: String,
        pub basis: String,
        pub categories: String,
        pub sent_at: TimeDateTimeWithTimeZone,
    }

    impl ActiveModelBehavior for ActiveModel {}
}
