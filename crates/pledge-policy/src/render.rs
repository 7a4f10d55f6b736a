//! Publishing a policy: the privacy policy itself (Markdown and HTML), the cookie table, the
//! retention schedule and the Art. 30 record of processing.
//!
//! Every sentence and table cell is a [`Statement`] that remembers the field it was written from
//! and the promise IDs behind it, so a reader (or a test) can trace any published claim back to
//! the policy file, and no statement exists that the policy does not make. Values the deployer
//! chose where the source policy was vague are flagged in the output.
//!
//! Rendering builds a [`Document`] first; [`Document::to_markdown`] and [`Document::to_html`]
//! are two views of the same document, so the two formats cannot drift apart.

use std::fmt::Write as _;

use pledge_domain::Sensitivity;

use crate::ValidPolicy;
use crate::lint::{deployer_choices, describe_clock};
use crate::model::{
    Clock, CookieConsent, DeployerChoice, ExpiryAction, Party, Policy, RightKind, chosen,
};
use crate::path::FieldPath;
use crate::promise::PromiseId;

/// One published claim and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The text a reader sees.
    pub text: String,
    /// The policy field it was written from.
    pub field: FieldPath,
    /// The promises it states.
    pub promises: Vec<PromiseId>,
    /// True when the value was chosen by the deployer, not stated by the source policy.
    pub deployer_choice: bool,
}

/// A block of a section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// A paragraph of statements.
    Paragraph(Vec<Statement>),
    /// A bulleted list, one statement per item.
    List(Vec<Statement>),
    /// A table with a header row.
    Table {
        /// Column headings.
        head: Vec<String>,
        /// Rows of cells.
        rows: Vec<Vec<Statement>>,
    },
}

/// A headed section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The heading.
    pub heading: String,
    /// The content.
    pub blocks: Vec<Block>,
}

/// A rendered document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// The title.
    pub title: String,
    /// The BCP 47 language of the text.
    pub language: String,
    /// The sections, in order.
    pub sections: Vec<Section>,
}

impl Document {
    /// Every statement in reading order.
    pub fn statements(&self) -> impl Iterator<Item = &Statement> {
        self.sections
            .iter()
            .flat_map(|s| &s.blocks)
            .flat_map(|block| -> Vec<&Statement> {
                match block {
                    Block::Paragraph(items) | Block::List(items) => items.iter().collect(),
                    Block::Table { rows, .. } => rows.iter().flatten().collect(),
                }
            })
    }

    /// The first statement whose text contains `needle`.
    pub fn find(&self, needle: &str) -> Option<&Statement> {
        self.statements().find(|s| s.text.contains(needle))
    }

    /// The document as Markdown. Promise IDs follow each statement in brackets; values the
    /// deployer chose are marked with a dagger (†) explained at the end.
    pub fn to_markdown(&self) -> String {
        let mut out = format!("# {}\n", self.title);
        for section in &self.sections {
            let _ = write!(out, "\n## {}\n", section.heading);
            for block in &section.blocks {
                out.push('\n');
                markdown_block(&mut out, block);
            }
        }
        out
    }

    /// The document as a standalone HTML page. Each statement is a `<span>` whose
    /// `data-field` and `data-promises` attributes name its source.
    pub fn to_html(&self) -> String {
        let title = html_escape::encode_text(&self.title);
        let lang = html_escape::encode_double_quoted_attribute(&self.language);
        let mut out = format!(
            "<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
             <title>{title}</title>\n</head>\n<body>\n<article class=\"pledge-policy\">\n\
             <h1>{title}</h1>\n"
        );
        for section in &self.sections {
            let _ = writeln!(
                out,
                "<section>\n<h2>{}</h2>",
                html_escape::encode_text(&section.heading)
            );
            for block in &section.blocks {
                html_block(&mut out, block);
            }
            out.push_str("</section>\n");
        }
        out.push_str("</article>\n</body>\n</html>\n");
        out
    }
}

fn markdown_statement(statement: &Statement) -> String {
    let mut text = statement.text.clone();
    if statement.deployer_choice {
        text.push_str(" †");
    }
    if !statement.promises.is_empty() {
        let ids: Vec<&str> = statement.promises.iter().map(PromiseId::as_str).collect();
        let _ = write!(text, " [{}]", ids.join(", "));
    }
    text
}

fn markdown_cell(statement: &Statement) -> String {
    let mut text = statement.text.replace('|', "\\|").replace('\n', " ");
    if statement.deployer_choice {
        text.push_str(" †");
    }
    text
}

fn markdown_block(out: &mut String, block: &Block) {
    match block {
        Block::Paragraph(items) => {
            let sentences: Vec<String> = items.iter().map(markdown_statement).collect();
            let _ = writeln!(out, "{}", sentences.join(" "));
        }
        Block::List(items) => {
            for item in items {
                let _ = writeln!(out, "- {}", markdown_statement(item));
            }
        }
        Block::Table { head, rows } => {
            let _ = writeln!(out, "| {} |", head.join(" | "));
            let _ = writeln!(out, "|{}", " --- |".repeat(head.len()));
            for row in rows {
                let cells: Vec<String> = row.iter().map(markdown_cell).collect();
                let _ = writeln!(out, "| {} |", cells.join(" | "));
            }
        }
    }
}

fn html_statement(statement: &Statement) -> String {
    let ids: Vec<&str> = statement.promises.iter().map(PromiseId::as_str).collect();
    let class = if statement.deployer_choice {
        " class=\"deployer-choice\""
    } else {
        ""
    };
    let mark = if statement.deployer_choice {
        "<sup title=\"Chosen by the deployer\">†</sup>"
    } else {
        ""
    };
    format!(
        "<span data-field=\"{}\" data-promises=\"{}\"{class}>{}{mark}</span>",
        html_escape::encode_double_quoted_attribute(&statement.field.to_string()),
        ids.join(" "),
        html_escape::encode_text(&statement.text),
    )
}

fn html_block(out: &mut String, block: &Block) {
    match block {
        Block::Paragraph(items) => {
            let sentences: Vec<String> = items.iter().map(html_statement).collect();
            let _ = writeln!(out, "<p>{}</p>", sentences.join(" "));
        }
        Block::List(items) => {
            out.push_str("<ul>\n");
            for item in items {
                let _ = writeln!(out, "<li>{}</li>", html_statement(item));
            }
            out.push_str("</ul>\n");
        }
        Block::Table { head, rows } => {
            out.push_str("<table>\n<thead><tr>");
            for heading in head {
                let _ = write!(
                    out,
                    "<th scope=\"col\">{}</th>",
                    html_escape::encode_text(heading)
                );
            }
            out.push_str("</tr></thead>\n<tbody>\n");
            for row in rows {
                out.push_str("<tr>");
                for cell in row {
                    let _ = write!(out, "<td>{}</td>", html_statement(cell));
                }
                out.push_str("</tr>\n");
            }
            out.push_str("</tbody>\n</table>\n");
        }
    }
}

impl Statement {
    /// Also marks the statement as the deployer's choice when `key` was chosen.
    fn or_chosen(mut self, choice: Option<&DeployerChoice>, key: &str) -> Self {
        self.deployer_choice |= chosen(choice, key);
        self
    }
}

/// Builds statements, looking up whether a field was chosen by the deployer.
struct Writer<'p> {
    policy: &'p ValidPolicy,
}

impl<'p> Writer<'p> {
    fn p(&self) -> &'p Policy {
        self.policy.policy()
    }

    fn say(
        &self,
        text: impl Into<String>,
        field: FieldPath,
        sources: &[PromiseId],
        choice: Option<&DeployerChoice>,
        key: &str,
    ) -> Statement {
        Statement {
            text: text.into(),
            field,
            promises: sources.to_vec(),
            deployer_choice: chosen(choice, key),
        }
    }

    /// An Art. 9(2) condition in words, with its citation when the policy is under the GDPR.
    fn condition_words(&self, condition: pledge_domain::Art9Condition) -> String {
        if self.under_gdpr() {
            format!("{} ({})", condition.plain_words(), condition.citation())
        } else {
            condition.plain_words().to_owned()
        }
    }

    fn under_gdpr(&self) -> bool {
        self.p()
            .jurisdiction
            .laws
            .iter()
            .any(|l| matches!(l, crate::model::Law::Gdpr | crate::model::Law::UkGdpr))
    }

    /// A legal basis in words, with its GDPR citation when the policy is under the GDPR.
    fn basis_words(&self, basis: pledge_domain::LegalBasis) -> String {
        let gdpr = self
            .p()
            .jurisdiction
            .laws
            .iter()
            .any(|l| matches!(l, crate::model::Law::Gdpr | crate::model::Law::UkGdpr));
        if gdpr {
            format!("{} ({})", basis.plain_words(), basis.citation())
        } else {
            basis.plain_words().to_owned()
        }
    }

    fn category_names(&self, ids: &[pledge_domain::CategoryId]) -> String {
        let names: Vec<String> = ids
            .iter()
            .map(|id| {
                self.policy
                    .category(id)
                    .map_or_else(|| id.to_string(), |c| c.name.clone())
            })
            .collect();
        names.join(", ")
    }

    fn purpose_names(&self, ids: &[pledge_domain::PurposeId]) -> String {
        let names: Vec<String> = ids
            .iter()
            .map(|id| {
                self.policy
                    .purpose(id)
                    .map_or_else(|| id.to_string(), |p| p.name.clone())
            })
            .collect();
        names.join(", ")
    }
}

/// The name of a country for readers (`CA` → Canada); unknown codes are shown as they are.
pub fn country_name(code: &str) -> &str {
    match code {
        "CA" => "Canada",
        "GB" => "the United Kingdom",
        "IE" => "Ireland",
        "US" => "the United States",
        "EU" => "the European Union",
        "DE" => "Germany",
        "FR" => "France",
        "NL" => "the Netherlands",
        "GR" => "Greece",
        "CY" => "Cyprus",
        "AU" => "Australia",
        _ => code,
    }
}

fn safeguard_words(safeguard: Option<crate::model::TransferSafeguard>) -> &'static str {
    match safeguard {
        Some(crate::model::TransferSafeguard::Adequacy) => "an adequacy decision",
        Some(crate::model::TransferSafeguard::ContractualClauses) => {
            "contractual clauses requiring equivalent protection"
        }
        Some(crate::model::TransferSafeguard::BindingCorporateRules) => "binding corporate rules",
        None => "no stated safeguard",
    }
}

fn join_countries(codes: &[crate::model::CountryCode]) -> String {
    let names: Vec<&str> = codes.iter().map(|c| country_name(c.as_str())).collect();
    names.join(", ")
}

/// The published privacy policy.
pub fn privacy_policy(policy: &ValidPolicy) -> Document {
    let w = Writer { policy };
    let p = policy.policy();
    let sections = vec![
        about(&w),
        collection(&w),
        purposes(&w),
        sharing(&w),
        storage(&w),
        retention_section(&w),
        rights(&w),
        cookies_section(&w),
        marketing(&w),
        children(&w),
        security(&w),
        breaches(&w),
        changes(&w),
        readings(&w),
        gaps(&w),
    ];
    Document {
        title: p.policy.title.clone(),
        language: p.policy.language.clone(),
        sections: sections
            .into_iter()
            .filter(|s| !s.blocks.is_empty())
            .collect(),
    }
}

fn about(w: &Writer<'_>) -> Section {
    let p = w.p();
    let (info, org, jur) = (&p.policy, &p.organisation, &p.jurisdiction);
    let roles: Vec<&str> = org
        .roles
        .iter()
        .map(|r| match r {
            crate::model::ProcessingRole::Controller => {
                "a controller, deciding why and how your data is used"
            }
            crate::model::ProcessingRole::Processor => {
                "a processor, handling data on behalf of the partners we work with"
            }
        })
        .collect();
    let laws: Vec<&str> = jur.laws.iter().map(|l| l.name()).collect();
    let oc = org.deployer_choice.as_ref();
    Section {
        heading: "About this policy".into(),
        blocks: vec![Block::Paragraph(vec![
            w.say(
                format!(
                    "This is version {} of this policy, in effect from {}.",
                    info.version, info.effective
                ),
                crate::path!("policy", "effective"),
                &info.sources,
                info.deployer_choice.as_ref(),
                "effective",
            ),
            w.say(
                format!(
                    "{} ({}) is responsible for your personal data as {}.",
                    org.name,
                    org.website,
                    roles.join(" and ")
                ),
                crate::path!("organisation", "roles"),
                &org.sources,
                oc,
                "roles",
            ),
            w.say(
                format!(
                    "Write to {} with any question about your data.",
                    org.privacy_contact
                ),
                crate::path!("organisation", "privacy_contact"),
                &org.sources,
                oc,
                "privacy_contact",
            ),
            w.say(
                format!("This policy is written to comply with {}.", laws.join(", ")),
                crate::path!("jurisdiction", "laws"),
                &jur.sources,
                jur.deployer_choice.as_ref(),
                "laws",
            ),
        ])],
    }
}

fn collection(w: &Writer<'_>) -> Section {
    let items = w
        .p()
        .categories
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut text = format!("{}: {}", c.name, c.description);
            if c.optional {
                text.push_str(" Providing it is optional.");
            }
            match c.sensitivity {
                Sensitivity::Special(_) => text.push_str(
                    " This is a special category of personal data and gets extra protection.",
                ),
                Sensitivity::Children => text.push_str(" This is information about children."),
                Sensitivity::Financial | Sensitivity::Ordinary => {}
            }
            w.say(
                text,
                crate::path!("category", i),
                &c.sources,
                c.deployer_choice.as_ref(),
                "description",
            )
        })
        .collect();
    Section {
        heading: "What we collect".into(),
        blocks: vec![Block::List(items)],
    }
}

fn purposes(w: &Writer<'_>) -> Section {
    let p = w.p();
    let mut items = Vec::new();
    for (i, purpose) in p.purposes.iter().enumerate() {
        let choice = purpose.deployer_choice.as_ref();
        let mut text = format!(
            "{}: {} We use: {}.",
            purpose.name,
            purpose.description,
            w.category_names(&purpose.categories)
        );
        if let Some(basis) = purpose.basis {
            let _ = write!(text, " Legal basis: {}.", w.basis_words(basis));
        }
        if let Some(interest) = &purpose.legitimate_interest {
            let _ = write!(text, " Our interest: {interest}");
        }
        if let Some(condition) = purpose.art9 {
            let _ = write!(
                text,
                " For special-category data we rely on {}.",
                w.condition_words(condition)
            );
        }
        if purpose.profiling {
            text.push_str(" This involves building a profile of your interests.");
        }
        for claim in &purpose.claims {
            let _ = write!(text, " {}", claim.sentence());
        }
        let chosen_here = chosen(choice, "basis") || chosen(choice, "art9");
        let mut statement = w.say(
            text,
            crate::path!("purpose", i),
            &purpose.sources,
            choice,
            "basis",
        );
        statement.deployer_choice = chosen_here;
        items.push(statement);
    }
    let mut blocks = vec![Block::List(items)];
    if let Some(closed) = &p.closed_purpose_list {
        blocks.push(Block::Paragraph(vec![w.say(
            format!(
                "We do not use your data for any purpose other than: {}.",
                w.purpose_names(&closed.purposes)
            ),
            crate::path!("closed_purpose_list"),
            &closed.sources,
            None,
            "",
        )]));
    }
    Section {
        heading: "Why we use it".into(),
        blocks,
    }
}

fn sharing(w: &Writer<'_>) -> Section {
    let p = w.p();
    let mut items = Vec::new();
    for (i, partner) in p.partners.iter().enumerate() {
        let choice = partner.deployer_choice.as_ref();
        let mut text = format!(
            "{} ({}): {}",
            partner.name,
            country_name(partner.country.as_str()),
            partner.description
        );
        if !partner.receives.is_empty() {
            let _ = write!(
                text,
                " They receive: {}.",
                w.category_names(&partner.receives)
            );
        }
        if !partner.purposes.is_empty() {
            let _ = write!(text, " For: {}.", w.purpose_names(&partner.purposes));
        }
        if let Some(basis) = partner.basis {
            let _ = write!(
                text,
                " We share it on the basis of {}.",
                w.basis_words(basis)
            );
        }
        for holding in &partner.keeps {
            let what = holding.what.trim_end_matches('.');
            let _ = write!(
                text,
                " What they keep: {what}, {}.",
                describe_clock(&holding.clock)
            );
        }
        if let Some(to) = &partner.forward_requests_to {
            let _ = write!(
                text,
                " We forward your erasure and correction requests to {to}."
            );
        }
        if let Some(safeguard) = partner.transfer_safeguard {
            let _ = write!(
                text,
                " The transfer is protected by {}.",
                safeguard_words(Some(safeguard))
            );
        }
        if !partner.may_market {
            text.push_str(" They may not use your data for their own marketing.");
        }
        let mut statement = w.say(
            text,
            crate::path!("partner", i),
            &partner.sources,
            choice,
            "keeps",
        );
        statement.deployer_choice = choice.is_some();
        items.push(statement);
    }
    Section {
        heading: "Who we share it with".into(),
        blocks: vec![Block::List(items)],
    }
}

fn storage(w: &Writer<'_>) -> Section {
    let jur = &w.p().jurisdiction;
    Section {
        heading: "Where your data is stored".into(),
        blocks: vec![Block::Paragraph(vec![w.say(
            format!(
                "Your data is stored on servers located in {}.",
                join_countries(&jur.residency)
            ),
            crate::path!("jurisdiction", "residency"),
            &jur.sources,
            jur.deployer_choice.as_ref(),
            "residency",
        )])],
    }
}

/// Rows of the retention schedule: data, how long, what then, why.
fn retention_rows(w: &Writer<'_>) -> Vec<Vec<Statement>> {
    w.p()
        .retention
        .iter()
        .enumerate()
        .map(|(i, rule)| {
            let choice = rule.deployer_choice.as_ref();
            let action = match rule.action {
                ExpiryAction::Delete => "Deleted",
                ExpiryAction::Anonymise => "Anonymised",
            };
            let mut kept = match &rule.clock {
                Clock::Indefinite(why) => format!("Indefinitely: {why}"),
                clock => capitalise(&describe_clock(clock)),
            };
            if let Some(hold) = &rule.legal_hold {
                let _ = write!(kept, " (kept despite erasure requests: {hold})");
            }
            vec![
                w.say(
                    rule.name.clone(),
                    crate::path!("retention", i, "categories"),
                    &rule.sources,
                    choice,
                    "categories",
                ),
                w.say(
                    kept,
                    crate::path!("retention", i, "clock"),
                    &rule.sources,
                    choice,
                    "clock",
                )
                .or_chosen(choice, "legal_hold"),
                w.say(
                    action,
                    crate::path!("retention", i, "action"),
                    &rule.sources,
                    choice,
                    "action",
                ),
                w.say(
                    rule.reason.clone(),
                    crate::path!("retention", i, "reason"),
                    &rule.sources,
                    choice,
                    "reason",
                ),
            ]
        })
        .collect()
}

const RETENTION_HEAD: [&str; 4] = ["Data", "How long we keep it", "Then", "Why"];

fn retention_section(w: &Writer<'_>) -> Section {
    Section {
        heading: "How long we keep it".into(),
        blocks: vec![Block::Table {
            head: RETENTION_HEAD.iter().map(|s| (*s).to_owned()).collect(),
            rows: retention_rows(w),
        }],
    }
}

fn rights(w: &Writer<'_>) -> Section {
    let p = w.p();
    let mut items = Vec::new();
    for (i, right) in p.rights.iter().enumerate() {
        let choice = right.deployer_choice.as_ref();
        let mut text = format!("You can {}.", right.kind.plain_words());
        if right.kind == RightKind::Complaint {
            let _ = write!(
                text,
                " The authority is {}",
                p.organisation.supervisory_authority
            );
            match &p.organisation.complaint_url {
                Some(url) => {
                    let _ = write!(text, " ({url}).");
                }
                None => text.push('.'),
            }
        }
        let complaint_chosen = right.kind == RightKind::Complaint
            && (chosen(
                p.organisation.deployer_choice.as_ref(),
                "supervisory_authority",
            ) || chosen(p.organisation.deployer_choice.as_ref(), "complaint_url"));
        let mut kind_statement = w.say(
            text,
            crate::path!("right", i, "kind"),
            &right.sources,
            choice,
            "kind",
        );
        kind_statement.deployer_choice |= complaint_chosen;
        let mut statements = vec![kind_statement];
        if let Some(deadline) = right.deadline {
            let mut text = format!(
                "We answer {} requests within {deadline}",
                right.kind.request_noun()
            );
            if let Some(extension) = right.extension {
                let _ = write!(
                    text,
                    ", or up to {extension} more for complex requests, in which case we tell you why"
                );
            }
            text.push('.');
            statements.push(
                w.say(
                    text,
                    crate::path!("right", i, "deadline"),
                    &right.sources,
                    choice,
                    "deadline",
                )
                .or_chosen(choice, "extension"),
            );
        }
        if !right.formats.is_empty() {
            let formats: Vec<String> = right
                .formats
                .iter()
                .map(|f| format!("{f:?}").to_uppercase())
                .collect();
            statements.push(w.say(
                format!(
                    "You receive it in a structured, commonly used format: {}.",
                    formats.join(", ")
                ),
                crate::path!("right", i, "formats"),
                &right.sources,
                choice,
                "formats",
            ));
        }
        if !right.exceptions.is_empty() {
            statements.push(w.say(
                format!("We may keep: {}.", right.exceptions.join("; ")),
                crate::path!("right", i, "exceptions"),
                &right.sources,
                choice,
                "exceptions",
            ));
        }
        if !right.consequences.is_empty() {
            statements.push(w.say(
                format!("Please note: {}.", right.consequences.join("; ")),
                crate::path!("right", i, "consequences"),
                &right.sources,
                choice,
                "consequences",
            ));
        }
        if right.notify_recipients {
            statements.push(w.say(
                "We tell everyone who received the incorrect data about the correction.",
                crate::path!("right", i, "notify_recipients"),
                &right.sources,
                choice,
                "notify_recipients",
            ));
        }
        items.extend(statements);
    }
    let req = &p.requests;
    items.push(w.say(
        format!("Make a request through {}.", req.channels.join(" or ")),
        crate::path!("requests", "channels"),
        &req.sources,
        req.deployer_choice.as_ref(),
        "channels",
    ));
    let checks: Vec<&str> = req
        .identity_verification
        .iter()
        .map(|c| match c {
            crate::model::IdentityCheck::SignedIn => "a request from your signed-in account",
            crate::model::IdentityCheck::EmailConfirmation => {
                "a confirmation link sent to your email address"
            }
            crate::model::IdentityCheck::Document => "an identity document checked by our staff",
            crate::model::IdentityCheck::VerifiedGuardian => {
                "a verified guardian acting for a minor"
            }
        })
        .collect();
    items.push(w.say(
        format!("We verify who is asking by {}.", checks.join(", or ")),
        crate::path!("requests", "identity_verification"),
        &req.sources,
        req.deployer_choice.as_ref(),
        "identity_verification",
    ));
    Section {
        heading: "Your rights".into(),
        blocks: vec![Block::List(items)],
    }
}

/// Rows of the cookie table: name, category, party, lifetime, purpose.
fn cookie_rows(w: &Writer<'_>) -> Vec<Vec<Statement>> {
    w.p()
        .cookie_catalogue
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let choice = c.deployer_choice.as_ref();
            let party = match (c.party, &c.provider) {
                (Party::First, _) => "First party".to_owned(),
                (Party::Third, Some(provider)) => format!(
                    "Third party ({})",
                    w.policy
                        .partner(provider)
                        .map_or(provider.as_str(), |p| p.name.as_str())
                ),
                (Party::Third, None) => "Third party".to_owned(),
            };
            let lifetime = match (&c.withheld, c.lifetime) {
                (Some(why), _) => format!("Never set: {why}"),
                (None, crate::model::CookieLifetime::Session) => {
                    "Until you close your browser".to_owned()
                }
                (None, crate::model::CookieLifetime::Persistent(period)) => period.to_string(),
            };
            vec![
                w.say(
                    c.name.clone(),
                    crate::path!("cookie", i, "name"),
                    &c.sources,
                    choice,
                    "name",
                ),
                w.say(
                    c.category.plain_words(),
                    crate::path!("cookie", i, "category"),
                    &c.sources,
                    choice,
                    "category",
                ),
                w.say(
                    party,
                    crate::path!("cookie", i, "party"),
                    &c.sources,
                    choice,
                    "party",
                ),
                w.say(
                    lifetime,
                    crate::path!("cookie", i, "lifetime"),
                    &c.sources,
                    choice,
                    "lifetime",
                ),
                w.say(
                    c.description.clone(),
                    crate::path!("cookie", i, "description"),
                    &c.sources,
                    choice,
                    "description",
                ),
            ]
        })
        .collect()
}

const COOKIE_HEAD: [&str; 5] = ["Cookie", "Category", "Set by", "Lifetime", "What it does"];

fn cookies_section(w: &Writer<'_>) -> Section {
    let settings = &w.p().cookies;
    let text = match settings.consent {
        CookieConsent::OptInBanner => {
            "Essential cookies are always on. We set no other cookie until you agree in our cookie banner; refusing is as easy as accepting, and you can change your choice at any time from any page."
        }
        CookieConsent::BrowserSettings => "You can control cookies through your browser settings.",
    };
    Section {
        heading: "Cookies".into(),
        blocks: vec![
            Block::Paragraph(vec![w.say(
                text,
                crate::path!("cookies", "consent"),
                &settings.sources,
                settings.deployer_choice.as_ref(),
                "consent",
            )]),
            Block::Table {
                head: COOKIE_HEAD.iter().map(|s| (*s).to_owned()).collect(),
                rows: cookie_rows(w),
            },
        ],
    }
}

fn marketing(w: &Writer<'_>) -> Section {
    let Some(m) = &w.p().marketing else {
        return Section {
            heading: "Marketing".into(),
            blocks: Vec::new(),
        };
    };
    let choice = m.deployer_choice.as_ref();
    let channels: Vec<&str> = m.channels.iter().map(|c| c.plain_words()).collect();
    let mut items = vec![w.say(
        format!(
            "We send marketing only with your consent, separately for each channel: {}.",
            channels.join(", ")
        ),
        crate::path!("marketing", "channels"),
        &m.sources,
        choice,
        "channels",
    )];
    if m.evidence == crate::model::ConsentEvidence::Written {
        items.push(w.say(
            "We ask for this consent in writing and use it only for the purpose you agreed to.",
            crate::path!("marketing", "evidence"),
            &m.sources,
            choice,
            "evidence",
        ));
    }
    if m.unsubscribe_in_every_message {
        items.push(w.say(
            "Every marketing message has an unsubscribe link that works without signing in.",
            crate::path!("marketing", "unsubscribe_in_every_message"),
            &m.sources,
            choice,
            "unsubscribe_in_every_message",
        ));
    }
    if !m.service_messages.is_empty() {
        items.push(w.say(
            format!(
                "Service messages continue even if you opt out of marketing: {}.",
                m.service_messages.join(", ")
            ),
            crate::path!("marketing", "service_messages"),
            &m.sources,
            choice,
            "service_messages",
        ));
    }
    Section {
        heading: "Marketing".into(),
        blocks: vec![Block::List(items)],
    }
}

fn children(w: &Writer<'_>) -> Section {
    let c = &w.p().children;
    let choice = c.deployer_choice.as_ref();
    let below = match c.below_minimum {
        crate::model::UnderageAction::DeleteImmediately => format!(
            "We do not knowingly collect personal information from children under {}; if we find that we have, we delete it immediately.",
            c.minimum_age
        ),
        crate::model::UnderageAction::RequireGuardianConsent => format!(
            "Children under {} may only use our services with a verified guardian's consent.",
            c.minimum_age
        ),
    };
    let mut items = vec![w.say(
        below,
        crate::path!("children", "minimum_age"),
        &c.sources,
        choice,
        "minimum_age",
    )];
    if c.guardian_until > c.minimum_age {
        let rights: Vec<&str> = c.guardian_rights.iter().map(|r| r.request_noun()).collect();
        let mut text = format!(
            "For users aged {} to {}, a parent or guardian is involved",
            c.minimum_age,
            c.guardian_until - 1
        );
        if !rights.is_empty() {
            let _ = write!(
                text,
                " and, once verified, can make {} requests for them",
                rights.join(", ")
            );
        }
        text.push('.');
        items.push(w.say(
            text,
            crate::path!("children", "guardian_until"),
            &c.sources,
            choice,
            "guardian_until",
        ));
    }
    Section {
        heading: "Children".into(),
        blocks: vec![Block::Paragraph(items)],
    }
}

fn security(w: &Writer<'_>) -> Section {
    let s = &w.p().security;
    let choice = s.deployer_choice.as_ref();
    let mfa = match s.mfa {
        crate::model::MfaRule::Available => {
            "Multi-factor authentication is available for every account."
        }
        crate::model::MfaRule::RequiredForStaff => {
            "Multi-factor authentication is required for staff and available to everyone."
        }
        crate::model::MfaRule::Required => {
            "Multi-factor authentication is required for every account."
        }
    };
    let mut items = vec![
        w.say(
            mfa,
            crate::path!("security", "mfa"),
            &s.sources,
            choice,
            "mfa",
        ),
        w.say(
            format!(
                "Sessions end after {} without activity, and {} after signing in at the latest.",
                s.idle_timeout, s.absolute_timeout
            ),
            crate::path!("security", "idle_timeout"),
            &s.sources,
            choice,
            "idle_timeout",
        )
        .or_chosen(choice, "absolute_timeout"),
        w.say(
            format!(
                "Passwords must have at least {} characters{}.",
                s.passwords.min_length,
                if s.passwords.reject_common {
                    " and must not be a common or previously breached password"
                } else {
                    ""
                }
            ),
            crate::path!("security", "passwords"),
            &s.sources,
            choice,
            "passwords",
        ),
    ];
    if let Some(remember) = s.remember_me {
        items.push(w.say(
            format!("\"Remember me\" keeps you signed in for {remember}."),
            crate::path!("security", "remember_me"),
            &s.sources,
            choice,
            "remember_me",
        ));
    }
    if s.audit_reads {
        items.push(w.say(
            "We keep a tamper-evident log of who accessed which personal data and when.",
            crate::path!("security", "audit_reads"),
            &s.sources,
            choice,
            "audit_reads",
        ));
    }
    for (i, control) in s.controls.iter().enumerate() {
        items.push(w.say(
            format!("{}.", control.statement.trim_end_matches('.')),
            crate::path!("security", "control", i),
            &control.sources,
            control.deployer_choice.as_ref(),
            "statement",
        ));
    }
    Section {
        heading: "How we protect it".into(),
        blocks: vec![Block::List(items)],
    }
}

fn breaches(w: &Writer<'_>) -> Section {
    let b = &w.p().breach;
    let choice = b.deployer_choice.as_ref();
    let contents: Vec<&str> = b.notice_contents.iter().map(|c| c.plain_words()).collect();
    Section {
        heading: "If something goes wrong".into(),
        blocks: vec![Block::Paragraph(vec![
            w.say(
                format!("If a breach puts your data at risk, we notify you within {} of discovering it, telling you {}.", b.notify_people_within, contents.join(", ")),
                crate::path!("breach", "notify_people_within"),
                &b.sources,
                choice,
                "notify_people_within",
            ),
            w.say(
                format!("We notify the data-protection authority within {}.", b.notify_authority_within),
                crate::path!("breach", "notify_authority_within"),
                &b.sources,
                choice,
                "notify_authority_within",
            ),
        ])],
    }
}

fn changes(w: &Writer<'_>) -> Section {
    let c = &w.p().changes;
    let choice = c.deployer_choice.as_ref();
    let channels: Vec<&str> = c
        .notify_by
        .iter()
        .map(|n| match n {
            crate::model::NoticeChannel::Email => "email",
            crate::model::NoticeChannel::ProminentNotice => "a prominent notice on our website",
            crate::model::NoticeChannel::RegisteredChannels => {
                "every contact method you registered"
            }
        })
        .collect();
    let acceptance = match c.acceptance {
        crate::model::Acceptance::ContinuedUse => {
            "Continuing to use our services after a change counts as accepting it, except where we need your consent: then we ask you again."
        }
        crate::model::Acceptance::Explicit => "We ask you to accept each new version.",
    };
    Section {
        heading: "Changes to this policy".into(),
        blocks: vec![Block::Paragraph(vec![
            w.say(
                format!(
                    "When we make a significant change, we tell you by {}.",
                    channels.join(" and ")
                ),
                crate::path!("changes", "notify_by"),
                &c.sources,
                choice,
                "notify_by",
            ),
            w.say(
                acceptance,
                crate::path!("changes", "acceptance"),
                &c.sources,
                choice,
                "acceptance",
            ),
        ])],
    }
}

fn readings(w: &Writer<'_>) -> Section {
    let items = w
        .p()
        .resolutions
        .iter()
        .enumerate()
        .map(|(i, r)| {
            w.say(
                r.decision.clone(),
                crate::path!("resolution", i),
                &r.promises,
                None,
                "",
            )
        })
        .collect::<Vec<_>>();
    let blocks = if items.is_empty() {
        Vec::new()
    } else {
        vec![Block::List(items)]
    };
    Section {
        heading: "How we read our own promises".into(),
        blocks,
    }
}

fn gaps(w: &Writer<'_>) -> Section {
    let items: Vec<Statement> = deployer_choices(w.p())
        .into_iter()
        .map(|(path, choice, sources)| Statement {
            text: choice.reason.clone(),
            field: path,
            promises: sources,
            deployer_choice: true,
        })
        .collect();
    let mut blocks = Vec::new();
    if !items.is_empty() {
        blocks.push(Block::Paragraph(vec![Statement {
            text: "Statements marked † are values we chose where the original policy was not specific:".into(),
            field: FieldPath::root(),
            promises: Vec::new(),
            deployer_choice: false,
        }]));
        blocks.push(Block::List(items));
    }
    Section {
        heading: "Values chosen by the deployer".into(),
        blocks,
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// The cookie table on its own (for the cookie banner's details page).
pub fn cookie_table(policy: &ValidPolicy) -> Document {
    let w = Writer { policy };
    let p = policy.policy();
    Document {
        title: format!("{}: cookies", p.organisation.name),
        language: p.policy.language.clone(),
        sections: vec![cookies_section(&w)],
    }
}

/// The retention schedule on its own (for the privacy office).
pub fn retention_schedule(policy: &ValidPolicy) -> Document {
    let w = Writer { policy };
    let p = policy.policy();
    Document {
        title: format!("{}: retention schedule", p.organisation.name),
        language: p.policy.language.clone(),
        sections: vec![retention_section(&w)],
    }
}

/// The record of processing activities required by GDPR Art. 30(1): one row per purpose.
pub fn record_of_processing(policy: &ValidPolicy) -> Document {
    let w = Writer { policy };
    let p = policy.policy();
    let org = &p.organisation;
    let mut rows = Vec::new();
    for (i, purpose) in p.purposes.iter().enumerate() {
        let choice = purpose.deployer_choice.as_ref();
        let recipients: Vec<&crate::model::Partner> = p
            .partners
            .iter()
            .filter(|partner| partner.purposes.contains(&purpose.id))
            .collect();
        let recipient_names: Vec<&str> = recipients.iter().map(|r| r.name.as_str()).collect();
        let transfers: Vec<String> = recipients
            .iter()
            .filter(|r| !p.jurisdiction.residency.contains(&r.country))
            .map(|r| {
                format!(
                    "{} ({}, {})",
                    r.name,
                    country_name(r.country.as_str()),
                    safeguard_words(r.transfer_safeguard)
                )
            })
            .collect();
        let retention: Vec<String> = p
            .retention
            .iter()
            .filter(|r| r.categories.iter().any(|c| purpose.categories.contains(c)))
            .map(|r| format!("{}: {}", r.name, describe_clock(&r.clock)))
            .collect();
        let basis = purpose.basis.map_or_else(String::new, |b| w.basis_words(b));
        let basis = match purpose.art9 {
            Some(condition) => format!("{basis}; {}", w.condition_words(condition)),
            None => basis,
        };
        let or_none = |items: Vec<String>| {
            if items.is_empty() {
                "None".to_owned()
            } else {
                items.join("; ")
            }
        };
        rows.push(vec![
            w.say(
                purpose.name.clone(),
                crate::path!("purpose", i, "name"),
                &purpose.sources,
                choice,
                "name",
            ),
            w.say(
                basis,
                crate::path!("purpose", i, "basis"),
                &purpose.sources,
                choice,
                "basis",
            ),
            w.say(
                if purpose.subjects.is_empty() {
                    "People who use our services".to_owned()
                } else {
                    purpose.subjects.join(", ")
                },
                crate::path!("purpose", i, "subjects"),
                &purpose.sources,
                choice,
                "subjects",
            ),
            w.say(
                w.category_names(&purpose.categories),
                crate::path!("purpose", i, "categories"),
                &purpose.sources,
                choice,
                "categories",
            ),
            w.say(
                or_none(recipient_names.iter().map(|s| (*s).to_owned()).collect()),
                crate::path!("partner"),
                &purpose.sources,
                None,
                "",
            ),
            w.say(
                or_none(transfers),
                crate::path!("partner"),
                &purpose.sources,
                None,
                "",
            ),
            w.say(
                or_none(retention),
                crate::path!("retention"),
                &purpose.sources,
                None,
                "",
            ),
        ]);
    }
    let controls: Vec<Statement> = p
        .security
        .controls
        .iter()
        .enumerate()
        .map(|(i, c)| {
            w.say(
                c.statement.clone(),
                crate::path!("security", "control", i),
                &c.sources,
                c.deployer_choice.as_ref(),
                "statement",
            )
        })
        .collect();
    Document {
        title: format!(
            "{}: record of processing activities (GDPR Art. 30)",
            org.name
        ),
        language: p.policy.language.clone(),
        sections: vec![
            Section {
                heading: "Controller".into(),
                blocks: vec![Block::Paragraph(vec![w.say(
                    format!(
                        "{}, {}, contact: {}.",
                        org.name, org.website, org.privacy_contact
                    ),
                    crate::path!("organisation"),
                    &org.sources,
                    org.deployer_choice.as_ref(),
                    "privacy_contact",
                )])],
            },
            Section {
                heading: "Processing activities".into(),
                blocks: vec![Block::Table {
                    head: [
                        "Purpose",
                        "Legal basis",
                        "Data subjects",
                        "Personal data",
                        "Recipients",
                        "Transfers outside the storage countries",
                        "Erasure time limits",
                    ]
                    .iter()
                    .map(|s| (*s).to_owned())
                    .collect(),
                    rows,
                }],
            },
            Section {
                heading: "Security measures".into(),
                blocks: vec![Block::List(controls)],
            },
        ],
    }
}
