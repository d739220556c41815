//! Basic authentication with the tenant's users, as Cumulocity accepts it on a tenant domain:
//! `<tenant>/<user>:<password>` or `<user>:<password>`; and device tokens (`Bearer <jwt>`, from
//! `s/uat`), checked by the platform's token issuer (expired, revoked or forged: 401). A token's
//! user has the same rights as that user logging in with a password.

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::AppState;
use super::error::RestError;

/// Why a request is not authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AuthFailure {
    /// No `Authorization: Basic …` header.
    Missing,
    /// The header is not valid base64 / UTF-8 / `user:password`.
    Malformed,
    /// The user is unknown, the password wrong, or the tenant prefix another tenant.
    BadCredentials,
}

/// Checks an `Authorization` header value against the tenant's users.
pub(crate) fn check(
    authorization: Option<&str>,
    tenant: &str,
    users: &(dyn Fn(&str, &str) -> bool + Send + Sync),
) -> Result<String, AuthFailure> {
    let value = authorization.ok_or(AuthFailure::Missing)?;
    let (scheme, encoded) = value.trim().split_once(' ').ok_or(AuthFailure::Malformed)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(AuthFailure::Missing);
    }
    let decoded = STANDARD
        .decode(encoded.trim())
        .map_err(|_| AuthFailure::Malformed)?;
    let decoded = String::from_utf8(decoded).map_err(|_| AuthFailure::Malformed)?;
    let (login, password) = decoded.split_once(':').ok_or(AuthFailure::Malformed)?;
    let user = match login.split_once('/') {
        Some((prefix, user)) if prefix == tenant => user,
        Some(_) => return Err(AuthFailure::BadCredentials),
        None => login,
    };
    if users(user, password) {
        Ok(user.to_owned())
    } else {
        Err(AuthFailure::BadCredentials)
    }
}

/// The token of an `Authorization: Bearer <jwt>` header.
fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(token.trim())
}

/// Middleware: answers 401 with `WWW-Authenticate` unless the request carries valid basic auth
/// or a valid device token,
/// and 403 when a device user reaches beyond its own devices ([`rights`](super::rights)).
pub(crate) async fn require_basic_auth(
    State(shared): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let authorization = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let login = match authorization.and_then(bearer) {
        Some(token) => match shared.state.tokens.as_ref().and_then(|verify| verify(token)) {
            Some(user) => Ok(user),
            None => {
                return RestError::unauthorized("Invalid credentials! : token expired or invalid")
                    .into_response();
            }
        },
        None => check(authorization, &shared.state.tenant, shared.state.users.as_ref()),
    };
    match login {
        Ok(user) if super::rights::is_device_user(&user) => {
            match super::rights::check(&shared, &user, request).await {
                Ok(request) => next.run(request).await,
                Err(error) => error.into_response(),
            }
        }
        Ok(_) => next.run(request).await,
        Err(AuthFailure::Missing) => {
            RestError::unauthorized("Full authentication is required to access this resource").into_response()
        }
        Err(AuthFailure::Malformed | AuthFailure::BadCredentials) => {
            RestError::unauthorized("Invalid credentials! : Bad credentials").into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn users(user: &str, password: &str) -> bool {
        user == "admin" && password == "secret"
    }

    fn basic(login: &str) -> String {
        format!("Basic {}", STANDARD.encode(login))
    }

    #[test]
    fn accepts_with_and_without_tenant_prefix() {
        assert_eq!(
            check(Some(&basic("t100/admin:secret")), "t100", &users),
            Ok("admin".to_owned())
        );
        assert_eq!(
            check(Some(&basic("admin:secret")), "t100", &users),
            Ok("admin".to_owned())
        );
        assert_eq!(
            check(Some(&basic("admin:sec:ret")), "t100", &users),
            Err(AuthFailure::BadCredentials)
        );
    }

    #[test]
    fn rejects_other_tenant_wrong_password_and_garbage() {
        assert_eq!(
            check(Some(&basic("t200/admin:secret")), "t100", &users),
            Err(AuthFailure::BadCredentials)
        );
        assert_eq!(
            check(Some(&basic("admin:wrong")), "t100", &users),
            Err(AuthFailure::BadCredentials)
        );
        assert_eq!(
            check(Some("Basic !!!"), "t100", &users),
            Err(AuthFailure::Malformed)
        );
        assert_eq!(
            check(Some(&basic("nocolon")), "t100", &users),
            Err(AuthFailure::Malformed)
        );
        assert_eq!(
            check(Some("Bearer abc"), "t100", &users),
            Err(AuthFailure::Missing)
        );
        assert_eq!(check(None, "t100", &users), Err(AuthFailure::Missing));
    }
}
