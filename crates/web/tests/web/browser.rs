//! A small cookie-keeping client for page tests, and a server per test.

use calloff_test_support::{Backend, TestApp};
use reqwest::header;
use std::net::SocketAddr;

pub struct Site {
    pub t: TestApp,
    pub base: String,
}

impl Site {
    pub async fn start(backend: Backend) -> Site {
        let t = TestApp::init(backend).await;
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let router = calloff_web::router(t.app.clone(), calloff_web::DEFAULT_ASSETS_DIR.into());
        tokio::spawn(async move { calloff_web::serve(listener, router).await.unwrap() });
        Site { t, base }
    }

    pub fn browser(&self) -> Browser {
        Browser {
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: self.base.clone(),
            session: None,
            csrf: None,
            clock: self.t.clock.clone(),
        }
    }

    pub async fn signed_in(&self, email: &str) -> Browser {
        self.signed_in_with(email, calloff_app::demo::DEMO_PASSWORD).await
    }

    pub async fn signed_in_with(&self, email: &str, password: &str) -> Browser {
        let mut b = self.browser();
        let page = b.sign_in(email, password).await;
        assert_eq!(page.status, 303, "sign-in failed: {}", page.body);
        b
    }

    pub fn api(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }
}

/// Order details for API bodies: a start in January 2027, after the test clock's 26 November 2026.
pub fn order_json() -> serde_json::Value {
    serde_json::json!({
        "title": "Network and telephony for the town hall",
        "delivery_address": "Town Hall, Judd Street, London WC1H 9JE",
        "starts_on": "2027-01-04",
        "purchase_order": "PO-2026-0417",
        "contact": { "name": "Sam Patel", "email": "sam.patel@camden.example", "phone": "020 7974 4444" }
    })
}

/// The placing form's order fields, filled in as [`order_json`].
pub const ORDER_FIELDS: [(&str, &str); 9] = [
    ("order.title", "Network and telephony for the town hall"),
    ("order.delivery_address", "Town Hall, Judd Street\nLondon WC1H 9JE"),
    ("order.starts_on-day", "4"),
    ("order.starts_on-month", "1"),
    ("order.starts_on-year", "2027"),
    ("order.purchase_order", "PO-2026-0417"),
    ("order.contact.name", "Sam Patel"),
    ("order.contact.email", "sam.patel@camden.example"),
    ("order.contact.phone", "020 7974 4444"),
];

pub struct Page {
    pub status: u16,
    pub body: String,
    pub location: Option<String>,
    pub set_cookies: Vec<String>,
    pub headers: reqwest::header::HeaderMap,
}

impl Page {
    pub fn assert_contains(&self, text: &str) -> &Self {
        assert!(self.body.contains(text), "expected {text:?} in page:\n{}", self.body);
        self
    }

    /// The value of the first hidden or text input called `name`.
    pub fn input_value(&self, name: &str) -> Option<String> {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self.body.find(&marker)? + marker.len();
        let end = self.body[start..].find('"')? + start;
        Some(self.body[start..end].to_string())
    }
}

pub struct Browser {
    client: reqwest::Client,
    pub base: String,
    pub session: Option<String>,
    pub csrf: Option<String>,
    /// The site's clock, for two-factor codes.
    clock: std::sync::Arc<calloff_app::SettableClock>,
}

fn cookie_value(set_cookies: &[String], name: &str) -> Option<String> {
    set_cookies
        .iter()
        .find_map(|c| c.strip_prefix(&format!("{name}=")))
        .map(|rest| rest.split(';').next().unwrap_or_default().to_string())
}

impl Browser {
    async fn send(&self, request: reqwest::RequestBuilder, extra_cookie: Option<String>) -> Page {
        let mut cookies: Vec<String> = self
            .session
            .iter()
            .map(|s| format!("__Host-calloff_session={s}"))
            .collect();
        cookies.extend(extra_cookie);
        let request = if cookies.is_empty() {
            request
        } else {
            request.header(header::COOKIE, cookies.join("; "))
        };
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_string());
        let set_cookies = response
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect();
        let headers = response.headers().clone();
        let body = response.text().await.unwrap();
        Page {
            status,
            body,
            location,
            set_cookies,
            headers,
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        self.send(self.client.get(format!("{}{path}", self.base)), None).await
    }

    /// Posts a multipart form with a file (empty bytes send no file), and this session's CSRF
    /// token.
    pub async fn upload(&self, path: &str, fields: &[(&str, &str)], file_name: &str, bytes: Vec<u8>) -> Page {
        let mut form = reqwest::multipart::Form::new();
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        if let Some(csrf) = &self.csrf {
            form = form.text("csrf_token", csrf.clone());
        }
        form = form.part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_string()),
        );
        self.send(self.client.post(format!("{}{path}", self.base)).multipart(form), None)
            .await
    }

    /// Posts a form, adding this session's CSRF token unless the fields carry one.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut form: Vec<(String, String)> = fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        if !form.iter().any(|(k, _)| k == "csrf_token") {
            if let Some(csrf) = &self.csrf {
                form.push(("csrf_token".into(), csrf.clone()));
            }
        }
        self.send(self.client.post(format!("{}{path}", self.base)).form(&form), None)
            .await
    }

    /// Presses "Place call-off" on a review page, with cost centre IT-4021.
    pub async fn submit_review(&self, review: &Page) -> Page {
        self.submit_review_with(review, "IT-4021").await
    }

    /// Presses "Place call-off" on a review page with the given cost centre.
    pub async fn submit_review_with(&self, review: &Page, cost_centre: &str) -> Page {
        self.submit_review_fields(review, &[("cost_centre", cost_centre)]).await
    }

    /// Presses the review page's button with these fields and the rest of [`ORDER_FIELDS`]
    /// (a field given here replaces it; one given as "" is sent empty).
    pub async fn submit_review_fields(&self, review: &Page, given: &[(&str, &str)]) -> Page {
        let key = review
            .input_value("idempotency_key")
            .expect("review page has an idempotency key");
        let reviewed = review
            .input_value("reviewed")
            .expect("review page names the reviewed basket");
        let mut fields: Vec<(&str, &str)> = vec![("idempotency_key", &key), ("reviewed", &reviewed)];
        fields.extend(
            ORDER_FIELDS
                .iter()
                .filter(|(name, _)| !given.iter().any(|(g, _)| g == name)),
        );
        fields.extend(given.iter().copied());
        self.post("/call-offs", &fields).await
    }

    /// Submits a form that needs no session (registering), with its double-submit cookie.
    pub async fn submit_public_form(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let form = self.get(path).await;
        let token = form.input_value("csrf_token").expect("the form has a CSRF token");
        let cookie = cookie_value(&form.set_cookies, "__Host-calloff_sign_in").expect("the form sets its cookie");
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf_token", &token));
        let request = self.client.post(format!("{}{path}", self.base)).form(&all);
        self.send(request, Some(format!("__Host-calloff_sign_in={cookie}")))
            .await
    }

    /// The code page of a sign-in held for its second factor (the password step done here).
    pub async fn code_page_after_password(&self, email: &str, password: &str) -> Page {
        let held = self
            .submit_public_form("/sign-in", &[("email", email), ("password", password)])
            .await;
        assert_eq!(held.location.as_deref(), Some("/sign-in/code"), "{}", held.body);
        let pending = cookie_value(&held.set_cookies, "__Host-calloff_second_factor").unwrap();
        self.send(
            self.client.get(format!("{}/sign-in/code", self.base)),
            Some(format!("__Host-calloff_second_factor={pending}")),
        )
        .await
    }

    /// Sets up two-factor sign-in through the pages, with a code from the key the page shows.
    /// Returns the page with the recovery codes, and the key.
    pub async fn set_up_two_factor(&self) -> (Page, String) {
        let started = self.post("/account/two-factor/set-up", &[]).await;
        assert_eq!(
            started.location.as_deref(),
            Some("/account/two-factor"),
            "{}",
            started.body
        );
        let key_page = self.get("/account/two-factor").await;
        let marker = "class=\"calloff-key\">";
        let start = key_page.body.find(marker).expect("the page shows the key") + marker.len();
        let end = key_page.body[start..].find('<').unwrap() + start;
        let key = key_page.body[start..end].replace(' ', "");
        let code = calloff_app::two_factor::code_at(&key, calloff_app::Clock::now(&*self.clock)).unwrap();
        let done = self.post("/account/two-factor/confirm", &[("code", &code)]).await;
        assert_eq!(done.status, 200, "{}", done.body);
        (done, key)
    }

    /// Signs in through the form; on success keeps the session and its CSRF token.
    pub async fn sign_in(&mut self, email: &str, password: &str) -> Page {
        let form = self.get("/sign-in").await;
        let token = form.input_value("csrf_token").expect("sign-in form has a CSRF token");
        let cookie = cookie_value(&form.set_cookies, "__Host-calloff_sign_in").expect("sign-in cookie");
        let request = self.client.post(format!("{}/sign-in", self.base)).form(&[
            ("csrf_token", token.as_str()),
            ("email", email),
            ("password", password),
        ]);
        let mut page = self
            .send(request, Some(format!("__Host-calloff_sign_in={cookie}")))
            .await;
        // Two-factor sign-in: the code page, answered with a code from the demo key.
        if let Some(pending) = cookie_value(&page.set_cookies, "__Host-calloff_second_factor").filter(|v| !v.is_empty())
        {
            assert_eq!(page.location.as_deref(), Some("/sign-in/code"));
            let pending = format!("__Host-calloff_second_factor={pending}");
            let form = self
                .send(
                    self.client.get(format!("{}/sign-in/code", self.base)),
                    Some(pending.clone()),
                )
                .await;
            let token = form.input_value("csrf_token").expect("code form has a CSRF token");
            let form_cookie = cookie_value(&form.set_cookies, "__Host-calloff_sign_in").expect("code form cookie");
            let code = calloff_test_support::next_two_factor_code(&self.clock);
            let request = self
                .client
                .post(format!("{}/sign-in/code", self.base))
                .form(&[("csrf_token", token.as_str()), ("code", code.as_str())]);
            page = self
                .send(
                    request,
                    Some(format!("{pending}; __Host-calloff_sign_in={form_cookie}")),
                )
                .await;
        }
        if let Some(session) = cookie_value(&page.set_cookies, "__Host-calloff_session") {
            assert!(page
                .set_cookies
                .iter()
                .any(|c| c.contains("HttpOnly") && c.contains("Secure") && c.contains("SameSite=Lax")));
            self.session = Some(session);
            // Where signing in leads: the frameworks, or setting up two-factor sign-in first.
            let landing = page.location.clone().unwrap_or_else(|| "/frameworks".into());
            self.csrf = self.get(&landing).await.input_value("csrf_token");
        }
        page
    }
}

/// A one-row XLSX price list adding a new item.
pub fn xlsx_price_list() -> Vec<u8> {
    calloff_test_support::xlsx(&[
        "lot,sku,name,description,unit,price_gbp_ex_vat,min_term_months,cpv"
            .split(',')
            .collect(),
        vec![
            "4",
            "L4-UP-XLSX",
            "5G SIM, 20 GB",
            "A 5G SIM with 20 GB a month",
            "per month",
            "8.00",
            "24",
            "64212000-5",
        ],
    ])
}
