//! Email: over SMTP when `PLEDGE_SMTP_URL` is set (`smtp://host:port` in the clear to a local
//! relay, `smtp://host:port?tls=required` for STARTTLS, `smtps://…` for TLS), otherwise into
//! `.eml` files in the data directory's `mail/` folder, so that the demo shows every message
//! without a mail server.
//!
//! The texts are plain, short and say why the person gets them; links carry one-time secrets
//! and nothing else.

use std::path::Path;

use anyhow::{Context, Result};
use lettre::message::header::{
    ContentTransferEncoding, ContentType, Header, HeaderName, HeaderValue,
};
use lettre::message::{Body, Mailbox, SinglePart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// Where email goes.
#[derive(Clone)]
pub enum Mailer {
    /// An SMTP server.
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// Files in a folder.
    Files(AsyncFileTransport<Tokio1Executor>),
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mailer::Smtp(_) => f.write_str("Mailer::Smtp"),
            Mailer::Files(_) => f.write_str("Mailer::Files"),
        }
    }
}

/// One message to one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    /// The address.
    pub to: String,
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub body: String,
}

impl Mailer {
    /// The mailer the environment asks for, or files in `data_dir/mail`.
    ///
    /// # Errors
    /// An unusable `PLEDGE_SMTP_URL` or an unwritable folder.
    pub fn from_env(data_dir: &Path) -> Result<Self> {
        if let Ok(url) = std::env::var("PLEDGE_SMTP_URL") {
            let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&url)
                .with_context(|| "PLEDGE_SMTP_URL is not a usable smtp:// or smtps:// address")?
                .build();
            return Ok(Mailer::Smtp(transport));
        }
        let folder = data_dir.join("mail");
        std::fs::create_dir_all(&folder)
            .with_context(|| format!("creating {}", folder.display()))?;
        Ok(Mailer::Files(AsyncFileTransport::new(folder)))
    }

    /// Sends `email` from `from`.
    ///
    /// # Errors
    /// A malformed address, or the transport's failure, in words for the log.
    pub async fn send(&self, from: &Mailbox, email: Email) -> Result<(), String> {
        self.send_unsubscribable(from, email, None).await
    }

    /// Sends `email` from `from`; with `unsubscribe`, the message carries it as its one-click
    /// unsubscribe address (`List-Unsubscribe` with `List-Unsubscribe-Post`, RFC 8058), so a
    /// mail program can offer the button.
    ///
    /// # Errors
    /// A malformed address, or the transport's failure, in words for the log.
    pub async fn send_unsubscribable(
        &self,
        from: &Mailbox,
        email: Email,
        unsubscribe: Option<&str>,
    ) -> Result<(), String> {
        let to: Mailbox = email
            .to
            .parse()
            .map_err(|e| format!("the address cannot receive mail: {e}"))?;
        let mut builder = Message::builder()
            .from(from.clone())
            .to(to)
            .subject(email.subject);
        if let Some(link) = unsubscribe {
            builder = builder
                .header(ListUnsubscribe(format!("<{link}>")))
                .header(ListUnsubscribePost);
        }
        let body = plain_body(email.body);
        let part = SinglePart::builder()
            .header(ContentType::TEXT_PLAIN)
            .body(body);
        let message = builder
            .singlepart(part)
            .map_err(|e| format!("the message cannot be built: {e}"))?;
        match self {
            Mailer::Smtp(smtp) => smtp
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| format!("SMTP: {e}")),
            Mailer::Files(files) => files
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| format!("mail folder: {e}")),
        }
    }
}

/// `List-Unsubscribe: <https://…>` (RFC 2369).
#[derive(Debug, Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(text: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(text.to_owned()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058): the link unsubscribes
/// with one `POST`, no page in between.
#[derive(Debug, Clone)]
struct ListUnsubscribePost;

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".to_owned())
    }
}

/// The body as it is when it is plain ASCII with lines SMTP accepts (up to 998 characters,
/// CRLF line ends), so that links stay whole in the message's source; anything else is encoded
/// as lettre sees fit (it quotes lines longer than 76 characters, which breaks links).
fn plain_body(text: String) -> Body {
    let fits =
        text.is_ascii() && text.lines().all(|line| line.len() <= 998) && !text.contains('\r');
    if fits {
        Body::dangerous_pre_encoded(
            text.replace('\n', "\r\n").into_bytes(),
            ContentTransferEncoding::SevenBit,
        )
    } else {
        Body::new(text)
    }
}

/// The verification email.
pub fn verify(to: &str, organisation: &str, link: &str) -> Email {
    Email {
        to: to.to_owned(),
        subject: format!("Verify your email address for {organisation}"),
        body: format!(
            "Hello,\n\nplease verify your email address to finish creating your {organisation} \
             account:\n\n{link}\n\nThe link works once, for 48 hours. If you did not ask for an \
             account, ignore this email: without verification the account cannot be used.\n"
        ),
    }
}

/// The email to an address that already has an account, sent instead of saying so on the page.
pub fn already_registered(to: &str, organisation: &str, base: &str) -> Email {
    Email {
        to: to.to_owned(),
        subject: format!("Someone tried to register with your address at {organisation}"),
        body: format!(
            "Hello,\n\nsomeone (perhaps you) tried to create a {organisation} account with this \
             address, which already has one. Nothing was changed.\n\nSign in: {base}/signin\n\
             Forgot your password? {base}/reset\n"
        ),
    }
}

/// The email asking a guardian to confirm a young person's account (K44).
pub fn guardian(to: &str, organisation: &str, link: &str) -> Email {
    Email {
        to: to.to_owned(),
        subject: format!("Please confirm a young person's {organisation} account"),
        body: format!(
            "Hello,\n\na young person named you as their parent or guardian when creating a \
             {organisation} account. Our privacy policy needs a guardian to confirm it:\n\n\
             {link}\n\nThe link works once, for 14 days. If you do not know them, ignore this \
             email and the account stays unusable.\n"
        ),
    }
}

/// The password reset email.
pub fn reset(to: &str, organisation: &str, link: &str) -> Email {
    Email {
        to: to.to_owned(),
        subject: format!("Reset your {organisation} password"),
        body: format!(
            "Hello,\n\nsomeone (perhaps you) asked to reset the password of your {organisation} \
             account:\n\n{link}\n\nThe link works once, for one hour. If it was not you, ignore \
             this email; your password stays as it is.\n"
        ),
    }
}
