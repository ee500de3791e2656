//! Scorecards and coaching over HTTP on a real server: defined through `/parley/v1`,
//! filled by a manager for a rep's call, listed by `GET /v2/settings/scorecards` and
//! `POST /v2/stats/activity/scorecards` in Gong's shapes, counted by the activity stats,
//! summed by `GET /v2/coaching`; and every way a request can be refused.

mod common;

use common::{assert_error, call_body, key, send_as, Key, Reply, TestServer};
use parley_domain::{Role, UserId};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn with_role(s: &TestServer, user: &str, role: Role) {
    s.store
        .set_user_role(UserId(user.parse().unwrap()), role, chrono::Utc::now())
        .await
        .unwrap();
}

fn definition() -> Value {
    json!({
        "scorecardName": "Discovery Call Review",
        "questions": [
            {"questionText": "How would you rate this call?", "questionType": "RANGE",
             "isOverall": true, "isMandatory": true, "minRange": 1, "maxRange": 5,
             "answerGuide": "5 is a textbook call"},
            {"questionText": "Which areas were covered?", "questionType": "MULTI_SELECT",
             "answerOptions": ["Budget", "Authority", "Need", "Timeline"]},
            {"questionText": "Next step agreed?", "questionType": "YES_NO", "isMandatory": true},
            {"questionText": "Notes", "questionType": "OPEN_ENDED"}
        ]
    })
}

/// A company with a manager, their rep and a call the rep hosted; a scorecard defined.
struct World {
    s: TestServer,
    workspace: String,
    manager: String,
    rep: String,
    call: String,
    scorecard: Value,
    manager_key: Key,
}

impl World {
    async fn new() -> World {
        let s = TestServer::start().await;
        let r = s.get("/v2/workspaces").await;
        let workspace = r.body["workspaces"][0]["id"].as_str().unwrap().to_owned();
        let manager = s
            .user("mona@northwind.example.com", "Mona", "Manager")
            .await;
        let r = s
            .post(
                "/parley/v1/users",
                json!({"email": "rex@northwind.example.com", "firstName": "Rex",
                       "lastName": "Rep", "managerId": manager}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let rep = r.body["userId"].as_str().unwrap().to_owned();
        with_role(&s, &manager, Role::Manager).await;
        let call = s.call(call_body("c1", &rep, "2026-03-02T15:00:00Z")).await;
        let r = s.post("/parley/v1/scorecards", definition()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let scorecard = r.body["scorecard"].clone();
        let manager_key = key(&s, Some(&manager), None).await;
        World {
            s,
            workspace,
            manager,
            rep,
            call,
            scorecard,
            manager_key,
        }
    }

    fn question(&self, i: usize) -> String {
        self.scorecard["questions"][i]["questionId"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    fn answer_body(&self) -> Value {
        json!({
            "scorecardId": self.scorecard["scorecardId"],
            "reviewTime": "2026-03-03T10:00:00Z",
            "answers": [
                {"questionId": self.question(0), "score": 4},
                {"questionId": self.question(1), "selectedOptions": ["Budget", "need"]},
                {"questionId": self.question(2), "selectedOptions": ["Yes"]},
            ]
        })
    }

    async fn answer(&self, k: &Key, body: Value) -> Reply {
        send_as(
            &self.s,
            k,
            Method::POST,
            &format!("/parley/v1/calls/{}/scorecards", self.call),
            Some(body),
        )
        .await
    }

    async fn answered(&self) -> Value {
        let r = self.answer(&self.manager_key, self.answer_body()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        r.body["answeredScorecard"].clone()
    }
}

#[tokio::test]
async fn a_managers_review_is_listed_counted_and_coached_in_gongs_shapes() {
    let w = World::new().await;
    let s = &w.s;
    let r = s.get("/v2/settings/scorecards?limit=100&cursor=").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let q = &r.body["scorecards"][0]["questions"];
    assert_eq!(q[2]["answerOptions"][0]["text"], "Yes");
    insta::assert_json_snapshot!("settings_scorecards", r.body, {
        ".requestId" => "[requestId]",
        ".scorecards[].scorecardId" => "[id]",
        ".scorecards[].workspaceId" => "[id]",
        ".scorecards[].created" => "[time]",
        ".scorecards[].updated" => "[time]",
        ".scorecards[].questions[].questionId" => "[id]",
        ".scorecards[].questions[].questionRevisionId" => "[id]",
        ".scorecards[].questions[].created" => "[time]",
        ".scorecards[].questions[].updated" => "[time]",
        ".scorecards[].questions[].answerOptions[].id" => "[id]",
    });
    let a = w.answered().await;
    assert_eq!(a["reviewerUserId"], w.manager.as_str());
    assert_eq!(a["reviewedUserId"], w.rep.as_str(), "the host by default");

    let r = s
        .post(
            "/v2/stats/activity/scorecards",
            json!({"filter": {"callFromDate": "2026-03-01", "callToDate": "2026-03-04",
                              "reviewedUserIds": [w.rep]}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let answers = &r.body["answeredScorecards"][0]["answers"];
    let options = &w.scorecard["questions"][1]["answerOptions"];
    assert_eq!(
        answers[1]["selectedOptions"],
        json!([options[0]["id"], options[2]["id"]])
    );
    assert_eq!(answers[3]["notApplicable"], true);
    insta::assert_json_snapshot!("answered_scorecards", r.body, {
        ".requestId" => "[requestId]",
        ".answeredScorecards[].answeredScorecardId" => "[id]",
        ".answeredScorecards[].scorecardId" => "[id]",
        ".answeredScorecards[].callId" => "[id]",
        ".answeredScorecards[].reviewedUserId" => "[rep]",
        ".answeredScorecards[].reviewerUserId" => "[manager]",
        ".answeredScorecards[].answers[].questionId" => "[id]",
        ".answeredScorecards[].answers[].questionRevisionId" => "[id]",
        ".answeredScorecards[].answers[].selectedOptions[]" => "[id]",
    });
    // The call's own listing has it too.
    let r = s
        .get(&format!("/parley/v1/calls/{}/scorecards", w.call))
        .await;
    assert_eq!(
        r.body["answeredScorecards"][0]["answeredScorecardId"],
        a["answeredScorecardId"]
    );

    // The activity counters count it: filled by the manager, received by the rep.
    let r = s
        .post(
            "/v2/stats/activity/aggregate",
            json!({"filter": {"fromDate": "2026-03-01", "toDate": "2026-03-05"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let stats = |u: &str| {
        r.body["usersAggregateActivityStats"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["userId"] == u)
            .unwrap()["userAggregateActivityStats"]
            .clone()
    };
    assert_eq!(stats(&w.manager)["callsScorecardsFilled"], 1);
    assert_eq!(stats(&w.rep)["callsScorecardsReceived"], 1);

    // Coaching: the manager's one report, one call, listened to and scored 4 of 1..5.
    let r = s
        .post(
            "/parley/v1/activity",
            json!({"kind": "listen", "userId": w.manager, "callId": w.call,
                   "at": "2026-03-03T09:00:00Z"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = send_as(
        s,
        &w.manager_key,
        Method::GET,
        &format!(
            "/v2/coaching?workspace-id={}&manager-id={}&from=2026-03-01T00:00:00Z&to=2026-03-05T00:00:00Z",
            w.workspace, w.manager
        ),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    insta::assert_json_snapshot!("coaching", r.body, {
        ".requestId" => "[requestId]",
        ".coachingData[].manager.id" => "[manager]",
        ".coachingData[].directReportsMetrics[].report.id" => "[rep]",
    });
}

#[tokio::test]
async fn answered_scorecards_page_with_a_cursor() {
    let w = World::new().await;
    let s = TestServer::another_node(&w.s, |c| c.page_size = 1).await;
    w.answered().await;
    w.answered().await;
    w.answered().await;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for page in 0..3 {
        let mut body = json!({"filter": {}});
        if let Some(c) = &cursor {
            body["cursor"] = json!(c);
        }
        let r = s.post("/v2/stats/activity/scorecards", body).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.body["records"]["totalRecords"], 3);
        assert_eq!(r.body["records"]["currentPageNumber"], page);
        seen.push(r.body["answeredScorecards"][0]["answeredScorecardId"].clone());
        cursor = r.body["records"]["cursor"].as_str().map(str::to_owned);
    }
    assert!(cursor.is_none(), "no cursor on the last page");
    seen.dedup();
    assert_eq!(seen.len(), 3);
    // A cursor of another filter is refused.
    let r = s
        .post("/v2/stats/activity/scorecards", json!({"filter": {}}))
        .await;
    let c = r.body["records"]["cursor"].as_str().unwrap().to_owned();
    let r = s
        .post(
            "/v2/stats/activity/scorecards",
            json!({"cursor": c, "filter": {"reviewFromDate": "2026-01-01"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
}

#[tokio::test]
async fn no_scorecards_is_gongs_404() {
    let s = TestServer::start().await;
    let r = s.get("/v2/settings/scorecards").await;
    assert_error(&r, StatusCode::NOT_FOUND, "Scorecards not found");
    let r = s.get("/v2/settings/scorecards?workspaceId=123").await;
    assert_error(&r, StatusCode::NOT_FOUND, "Workspace not found");
}

#[tokio::test]
async fn no_answered_scorecards_is_gongs_404() {
    let w = World::new().await;
    w.answered().await;
    for filter in [
        json!({"scorecardIds": ["1234567890123456789"]}),
        json!({"reviewedUserIds": ["not-an-id"]}),
        json!({"reviewFromDate": "2030-01-01"}),
        json!({"callIds": [w.call], "reviewerUserIds": [w.rep]}),
    ] {
        let r =
            w.s.post("/v2/stats/activity/scorecards", json!({"filter": filter}))
                .await;
        assert_error(&r, StatusCode::NOT_FOUND, "Answered scorecards not found");
    }
}

#[tokio::test]
async fn bad_dates_of_the_answered_filter_are_400s_naming_the_field() {
    let s = TestServer::start().await;
    for (filter, message) in [
        (json!({"callFromDate": "yesterday"}), "filter.callFromDate"),
        (json!({"reviewToDate": "2026-13-01"}), "filter.reviewToDate"),
        (
            json!({"reviewFromDate": "2026-03-02", "reviewToDate": "2026-03-01"}),
            "filter.reviewToDate must be after",
        ),
        (
            json!({"callFromDate": "2026-03-02", "callToDate": "2026-03-02"}),
            "filter.callToDate must be after",
        ),
        (json!({"fromDateTime": "soon"}), "filter.fromDateTime"),
        (json!({"scorecardIds": [true]}), "filter.scorecardIds"),
    ] {
        let r = s
            .post("/v2/stats/activity/scorecards", json!({"filter": filter}))
            .await;
        assert_error(&r, StatusCode::BAD_REQUEST, message);
    }
}

#[tokio::test]
async fn too_many_ids_in_the_answered_filter_are_a_400() {
    let s = TestServer::start_with(|c| c.max_filter_ids = 2).await;
    let r = s
        .post(
            "/v2/stats/activity/scorecards",
            json!({"filter": {"callIds": ["1", "2", "3"]}}),
        )
        .await;
    assert_error(
        &r,
        StatusCode::BAD_REQUEST,
        "filter.callIds has 3 distinct ids",
    );
}

/// A key bound to another workspace sees neither the scorecards nor their answers, and
/// cannot name this workspace.
#[tokio::test]
async fn another_workspaces_key_sees_nothing_of_this_ones_scorecards() {
    let w = World::new().await;
    w.answered().await;
    let r =
        w.s.post("/parley/v1/workspaces", json!({"name": "EMEA"}))
            .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let emea = r.body["workspaceId"].as_str().unwrap().to_owned();
    let k = key(&w.s, None, Some(&emea)).await;
    let r = send_as(&w.s, &k, Method::GET, "/v2/settings/scorecards", None).await;
    assert_error(&r, StatusCode::NOT_FOUND, "Scorecards not found");
    let r = send_as(
        &w.s,
        &k,
        Method::GET,
        &format!("/v2/settings/scorecards?workspaceId={}", w.workspace),
        None,
    )
    .await;
    assert_error(&r, StatusCode::FORBIDDEN, "bound to workspace");
    let r = send_as(
        &w.s,
        &k,
        Method::POST,
        "/v2/stats/activity/scorecards",
        Some(json!({"filter": {}})),
    )
    .await;
    assert_error(&r, StatusCode::NOT_FOUND, "Answered scorecards not found");
    let id = w.scorecard["scorecardId"].as_str().unwrap();
    let r = send_as(
        &w.s,
        &k,
        Method::GET,
        &format!("/parley/v1/scorecards/{id}"),
        None,
    )
    .await;
    assert_error(&r, StatusCode::NOT_FOUND, "Scorecard ID");
    // A bound key of this workspace sees it.
    let k = key(&w.s, None, Some(&w.workspace)).await;
    let r = send_as(&w.s, &k, Method::GET, "/v2/settings/scorecards", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

/// A member sees the answers on the calls they may see only (their own).
#[tokio::test]
async fn a_member_sees_answers_on_their_own_calls_only() {
    let w = World::new().await;
    w.answered().await;
    let other =
        w.s.user("olga@northwind.example.com", "Olga", "Other")
            .await;
    let k = key(&w.s, Some(&other), None).await;
    let r = send_as(
        &w.s,
        &k,
        Method::POST,
        "/v2/stats/activity/scorecards",
        Some(json!({"filter": {}})),
    )
    .await;
    assert_error(&r, StatusCode::NOT_FOUND, "Answered scorecards not found");
    let k = key(&w.s, Some(&w.rep), None).await;
    let r = send_as(
        &w.s,
        &k,
        Method::POST,
        "/v2/stats/activity/scorecards",
        Some(json!({"filter": {}})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn a_non_admin_defining_a_scorecard_is_403() {
    let w = World::new().await;
    let r = send_as(
        &w.s,
        &w.manager_key,
        Method::POST,
        "/parley/v1/scorecards",
        Some(definition()),
    )
    .await;
    assert_error(&r, StatusCode::FORBIDDEN, "admin");
}

#[tokio::test]
async fn a_profile_that_manages_scorecards_may_define_them_in_its_workspace() {
    let w = World::new().await;
    let r =
        w.s.post(
            &format!("/v2/permission-profile?workspaceId={}", w.workspace),
            json!({"name": "Enablement", "manageScorecards": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let profile = r.body["profile"]["id"].as_str().unwrap().to_owned();
    let r =
        w.s.send(
            Method::PUT,
            &format!("/parley/v1/users/{}/permission-profile", w.rep),
            Some(json!({"profileId": profile})),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.body);
    let k = key(&w.s, Some(&w.rep), None).await;
    let mut body = definition();
    body["scorecardName"] = json!("Enablement review");
    let r = send_as(&w.s, &k, Method::POST, "/parley/v1/scorecards", Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["scorecard"]["updaterUserId"], w.rep.as_str());
}

#[tokio::test]
async fn an_invalid_definition_is_a_400_naming_every_problem() {
    let s = TestServer::start().await;
    let r = s
        .post(
            "/parley/v1/scorecards",
            json!({"scorecardName": " ", "questions": [
                {"questionText": "q", "questionType": "RANGE", "minRange": 5, "maxRange": 2},
                {"questionText": "", "questionType": "SINGLE_SELECT", "answerOptions": ["only"]},
                {"questionText": "q", "questionType": "SLIDER"}
            ]}),
        )
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "questions[2].questionType");
    let r = s
        .post(
            "/parley/v1/scorecards",
            json!({"scorecardName": " ", "questions": [
                {"questionText": "q", "questionType": "RANGE", "minRange": 5, "maxRange": 2},
                {"questionText": "", "questionType": "SINGLE_SELECT", "answerOptions": ["only"]}
            ]}),
        )
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "name is required");
    let errors = r.body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 4, "{}", r.body);
    let r = s
        .post(
            "/parley/v1/scorecards",
            json!({"scorecardName": "x", "questions": "many"}),
        )
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "questions");
}

#[tokio::test]
async fn a_taken_name_is_a_409() {
    let w = World::new().await;
    let r = w.s.post("/parley/v1/scorecards", definition()).await;
    assert_error(&r, StatusCode::CONFLICT, "a scorecard of that name exists");
}

#[tokio::test]
async fn an_unknown_scorecard_is_a_404() {
    let w = World::new().await;
    for id in ["1234567890123456789", "abc"] {
        let r =
            w.s.send(
                Method::PUT,
                &format!("/parley/v1/scorecards/{id}"),
                Some(definition()),
            )
            .await;
        assert_error(
            &r,
            StatusCode::NOT_FOUND,
            &format!("Scorecard ID {id} was not found"),
        );
    }
    let mut body = w.answer_body();
    body["scorecardId"] = json!("1234567890123456789");
    let r = w.answer(&w.manager_key, body).await;
    assert_error(
        &r,
        StatusCode::NOT_FOUND,
        "Scorecard ID 1234567890123456789",
    );
}

#[tokio::test]
async fn a_scorecard_is_edited_keeping_its_ids_and_deleted_only_unanswered() {
    let w = World::new().await;
    let id = w.scorecard["scorecardId"].as_str().unwrap().to_owned();
    let mut body = definition();
    body["enabled"] = json!(true);
    body["questions"][0]["questionId"] = json!(w.question(0));
    body["questions"][1]["questionId"] = json!(w.question(1));
    body["questions"][1]["questionText"] = json!("Which BANT areas were covered?");
    let r =
        w.s.send(
            Method::PUT,
            &format!("/parley/v1/scorecards/{id}"),
            Some(body),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let q = &r.body["scorecard"]["questions"];
    let old = &w.scorecard["questions"];
    assert_eq!(q[0]["questionRevisionId"], old[0]["questionRevisionId"]);
    assert_eq!(q[1]["questionId"], old[1]["questionId"]);
    assert_ne!(q[1]["questionRevisionId"], old[1]["questionRevisionId"]);
    assert_ne!(
        q[2]["questionId"], old[2]["questionId"],
        "not named: a new question"
    );

    // Answered with the edited questions' ids.
    let answer = json!({
        "scorecardId": id,
        "answers": [
            {"questionId": q[0]["questionId"], "score": 3},
            {"questionId": q[2]["questionId"], "selectedOptions": ["No"]},
        ]
    });
    let r = w.answer(&w.manager_key, answer).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r =
        w.s.send(Method::DELETE, &format!("/parley/v1/scorecards/{id}"), None)
            .await;
    assert_error(&r, StatusCode::CONFLICT, "disable it instead");
    let r = w.s.post("/parley/v1/scorecards", json!({
        "scorecardName": "Unused", "questions": [{"questionText": "q", "questionType": "OPEN_ENDED"}]
    })).await;
    let unused = r.body["scorecard"]["scorecardId"]
        .as_str()
        .unwrap()
        .to_owned();
    let r =
        w.s.send(
            Method::DELETE,
            &format!("/parley/v1/scorecards/{unused}"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = w.s.get(&format!("/parley/v1/scorecards/{unused}")).await;
    assert_error(&r, StatusCode::NOT_FOUND, "Scorecard ID");
}

#[tokio::test]
async fn a_member_answering_a_scorecard_is_403() {
    let w = World::new().await;
    let k = key(&w.s, Some(&w.rep), None).await;
    let r = w.answer(&k, w.answer_body()).await;
    assert_error(&r, StatusCode::FORBIDDEN, "manager");
}

#[tokio::test]
async fn a_manager_answering_in_someone_elses_name_is_403() {
    let w = World::new().await;
    let mut body = w.answer_body();
    body["reviewerUserId"] = json!(w.rep);
    let r = w.answer(&w.manager_key, body).await;
    assert_error(&r, StatusCode::FORBIDDEN, "only admins");
}

#[tokio::test]
async fn a_company_key_must_name_the_reviewer() {
    let w = World::new().await;
    let r =
        w.s.post(
            &format!("/parley/v1/calls/{}/scorecards", w.call),
            w.answer_body(),
        )
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "reviewerUserId is required");
    let mut body = w.answer_body();
    body["reviewerUserId"] = json!(w.manager);
    let r =
        w.s.post(&format!("/parley/v1/calls/{}/scorecards", w.call), body)
            .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

#[tokio::test]
async fn answers_that_do_not_fit_the_questions_are_a_400() {
    let w = World::new().await;
    let body = json!({
        "scorecardId": w.scorecard["scorecardId"],
        "answers": [
            {"questionId": w.question(0), "score": 9},
            {"questionId": w.question(1), "selectedOptions": ["Champion"]},
            {"questionId": "1234567890123456789", "answerText": "?"}
        ]
    });
    let r = w.answer(&w.manager_key, body).await;
    assert_error(&r, StatusCode::BAD_REQUEST, "score: 9 is not within 1..=5");
    assert_error(&r, StatusCode::BAD_REQUEST, "\"Champion\" is not an option");
    assert_error(
        &r,
        StatusCode::BAD_REQUEST,
        "is not a question of scorecard",
    );
    assert_error(&r, StatusCode::BAD_REQUEST, "is mandatory");
}

#[tokio::test]
async fn a_reviewed_user_not_on_the_call_is_a_400() {
    let w = World::new().await;
    let mut body = w.answer_body();
    body["reviewedUserId"] = json!(w.manager);
    let r = w.answer(&w.manager_key, body).await;
    assert_error(&r, StatusCode::BAD_REQUEST, "is not a user on call");
}

#[tokio::test]
async fn a_disabled_scorecard_cannot_be_filled() {
    let w = World::new().await;
    let id = w.scorecard["scorecardId"].as_str().unwrap();
    let mut body = definition();
    body["enabled"] = json!(false);
    let r =
        w.s.send(
            Method::PUT,
            &format!("/parley/v1/scorecards/{id}"),
            Some(body),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = w.answer(&w.manager_key, w.answer_body()).await;
    assert_error(&r, StatusCode::BAD_REQUEST, "is disabled");
}

#[tokio::test]
async fn a_scorecard_of_another_workspace_cannot_be_filled_for_a_call() {
    let w = World::new().await;
    let r =
        w.s.post("/parley/v1/workspaces", json!({"name": "EMEA"}))
            .await;
    let emea = r.body["workspaceId"].as_str().unwrap().to_owned();
    let mut body = definition();
    body["workspaceId"] = json!(emea);
    let r = w.s.post("/parley/v1/scorecards", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let mut answer = w.answer_body();
    answer["scorecardId"] = r.body["scorecard"]["scorecardId"].clone();
    let r = w.answer(&w.manager_key, answer).await;
    assert_error(&r, StatusCode::BAD_REQUEST, "is of another workspace");
}

#[tokio::test]
async fn a_review_in_the_future_is_a_400() {
    let w = World::new().await;
    let mut body = w.answer_body();
    body["reviewTime"] = json!("2999-01-01T00:00:00Z");
    let r = w.answer(&w.manager_key, body.clone()).await;
    assert_error(&r, StatusCode::BAD_REQUEST, "cannot be in the future");
    body["reviewTime"] = json!("tomorrow");
    let r = w.answer(&w.manager_key, body).await;
    assert_error(&r, StatusCode::BAD_REQUEST, "reviewTime");
}

#[tokio::test]
async fn coaching_needs_every_parameter_and_good_dates() {
    let w = World::new().await;
    let r = w.s.get("/v2/coaching?workspaceId=1").await;
    assert_error(&r, StatusCode::BAD_REQUEST, "manager-id is required");
    assert_eq!(r.body["errors"].as_array().unwrap().len(), 4, "{}", r.body);
    let base = format!(
        "/v2/coaching?workspace-id={}&manager-id={}",
        w.workspace, w.manager
    );
    let r =
        w.s.get(&format!("{base}&from=yesterday&to=2026-03-05T00:00:00Z"))
            .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "from:");
    let r =
        w.s.get(&format!(
            "{base}&from=2026-03-05T00:00:00Z&to=2026-03-01T00:00:00Z"
        ))
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST, "to must be after from");
    // A window of more than max_coaching_days (366) is refused; exactly that is not.
    let r =
        w.s.get(&format!(
            "{base}&from=1970-01-01T00:00:00Z&to=2100-01-01T00:00:00Z"
        ))
        .await;
    assert_error(
        &r,
        StatusCode::BAD_REQUEST,
        "to is more than 366 days after from (max_coaching_days)",
    );
    let r =
        w.s.get(&format!(
            "{base}&from=2025-03-01T00:00:00Z&to=2026-03-02T00:00:00Z"
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

/// A `PRIVATE` filled scorecard is read by its reviewer, the reviewed user, the managers
/// above them and admins, not by another party of the call who may see the call.
#[tokio::test]
async fn a_private_review_is_read_only_by_those_it_concerns() {
    let w = World::new().await;
    let s = &w.s;
    let sam = s.user("sam@northwind.example.com", "Sam", "Second").await;
    with_role(s, &sam, Role::Member).await;
    with_role(s, &w.rep, Role::Member).await;
    let mut body = call_body("shared", &w.rep, "2026-03-02T16:00:00Z");
    body["parties"]
        .as_array_mut()
        .unwrap()
        .push(json!({"userId": sam}));
    let call = s.call(body).await;
    let review = |visibility: &str| {
        let mut b = w.answer_body();
        b["visibilityType"] = json!(visibility);
        b
    };
    for v in ["PRIVATE", "PUBLIC"] {
        let r = send_as(
            s,
            &w.manager_key,
            Method::POST,
            &format!("/parley/v1/calls/{call}/scorecards"),
            Some(review(v)),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let visibilities = |k: &Key| {
        let k = Key {
            key: k.key.clone(),
            secret: k.secret.clone(),
        };
        let call = call.clone();
        async move {
            let r = send_as(
                s,
                &k,
                Method::GET,
                &format!("/parley/v1/calls/{call}/scorecards"),
                None,
            )
            .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            let mut on_call: Vec<String> = r.body["answeredScorecards"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["visibilityType"].as_str().unwrap().to_owned())
                .collect();
            on_call.sort();
            let r = send_as(
                s,
                &k,
                Method::POST,
                "/v2/stats/activity/scorecards",
                Some(json!({"filter": {"callIds": [call]}})),
            )
            .await;
            let mut listed: Vec<String> = r.body["answeredScorecards"]
                .as_array()
                .map(|l| {
                    l.iter()
                        .map(|a| a["visibilityType"].as_str().unwrap().to_owned())
                        .collect()
                })
                .unwrap_or_default();
            listed.sort();
            assert_eq!(on_call, listed, "both routes agree: {}", r.body);
            on_call
        }
    };
    let sam_key = key(s, Some(&sam), None).await;
    assert_eq!(visibilities(&sam_key).await, ["PUBLIC"], "another party");
    let rep_key = key(s, Some(&w.rep), None).await;
    assert_eq!(
        visibilities(&rep_key).await,
        ["PRIVATE", "PUBLIC"],
        "the reviewed"
    );
    assert_eq!(
        visibilities(&w.manager_key).await,
        ["PRIVATE", "PUBLIC"],
        "the reviewer, their manager"
    );
    let company = Key {
        key: s.key.clone(),
        secret: s.secret.clone(),
    };
    assert_eq!(visibilities(&company).await, ["PRIVATE", "PUBLIC"]);
}

#[tokio::test]
async fn coaching_of_an_unknown_manager_or_workspace_is_a_404() {
    let w = World::new().await;
    let dates = "from=2026-03-01T00:00:00Z&to=2026-03-05T00:00:00Z";
    let r =
        w.s.get(&format!(
            "/v2/coaching?workspace-id={}&manager-id=1234567890123456789&{dates}",
            w.workspace
        ))
        .await;
    assert_error(
        &r,
        StatusCode::NOT_FOUND,
        "User ID 1234567890123456789 was not found",
    );
    let r =
        w.s.get(&format!(
            "/v2/coaching?workspace-id=1234567890123456789&manager-id={}&{dates}",
            w.manager
        ))
        .await;
    assert_error(&r, StatusCode::NOT_FOUND, "Workspace not found");
}

#[tokio::test]
async fn coaching_of_another_team_is_403() {
    let w = World::new().await;
    let other =
        w.s.user("otto@northwind.example.com", "Otto", "Other")
            .await;
    with_role(&w.s, &other, Role::Manager).await;
    let k = key(&w.s, Some(&other), None).await;
    let path = format!(
        "/v2/coaching?workspace-id={}&manager-id={}&from=2026-03-01T00:00:00Z&to=2026-03-05T00:00:00Z",
        w.workspace, w.manager
    );
    let r = send_as(&w.s, &k, Method::GET, &path, None).await;
    assert_error(&r, StatusCode::FORBIDDEN, "your own team");
    // A member is refused by role.
    let k = key(&w.s, Some(&w.rep), None).await;
    let r = send_as(&w.s, &k, Method::GET, &path, None).await;
    assert_error(&r, StatusCode::FORBIDDEN, "manager");
}

/// The demo company has scorecards filled by managers, so a new user sees data.
#[tokio::test]
async fn the_demo_has_scorecards_answered_by_managers() {
    let s = TestServer::start().await;
    parley_app::demo::seed(s.store.as_ref(), chrono::Utc::now())
        .await
        .unwrap();
    let r = s.get("/v2/settings/scorecards").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.body["scorecards"].as_array().unwrap().len(),
        6,
        "two per workspace"
    );
    let r = s
        .post("/v2/stats/activity/scorecards", json!({"filter": {}}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let answered = r.body["answeredScorecards"].as_array().unwrap();
    assert!(answered.len() >= 3, "{}", r.body);
    for a in answered {
        assert_ne!(a["reviewerUserId"], a["reviewedUserId"]);
    }
}

/// `/v2/stats/activity/scorecards` of the test call's reviews, as the admin key sees it.
async fn gong_answered(w: &World) -> Value {
    let r =
        w.s.post(
            "/v2/stats/activity/scorecards",
            json!({"filter": {"callIds": [w.call]}}),
        )
        .await;
    r.body
}

/// The reviewer edits a filled scorecard in place: the same id, the new answers and
/// visibility in Gong's listing (with the review time of the review it corrects), the
/// edit's author and time on Parley's routes; an edit is not another review; the write
/// is in the audit log.
#[tokio::test]
async fn the_reviewer_edits_a_filled_scorecard_in_place() {
    let w = World::new().await;
    let a = w.answered().await;
    let id = a["answeredScorecardId"].as_str().unwrap();
    assert_eq!(a["editorUserId"], Value::Null);
    assert_eq!(a["editTime"], Value::Null);
    let path = format!("/parley/v1/calls/{}/scorecards/{id}", w.call);
    let edit = json!({
        "visibilityType": "PRIVATE",
        "answers": [
            {"questionId": w.question(0), "score": 2},
            {"questionId": w.question(2), "selectedOptions": ["No"]},
            {"questionId": w.question(3), "answerText": "Rushed the close"},
        ]
    });
    let r = send_as(&w.s, &w.manager_key, Method::PUT, &path, Some(edit)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let e = &r.body["answeredScorecard"];
    assert_eq!(e["answeredScorecardId"], id, "an edit keeps the id");
    assert_eq!(e["editorUserId"], w.manager.as_str());
    assert!(e["editTime"].as_str().is_some(), "{e}");
    assert_eq!(e["reviewTime"], a["reviewTime"]);
    assert_eq!(e["visibilityType"], "PRIVATE");

    // Gong's listing shows the new answers and no field of its own for the edit.
    let body = gong_answered(&w).await;
    let listed = &body["answeredScorecards"];
    assert_eq!(listed.as_array().unwrap().len(), 1, "{body}");
    let g = &listed[0];
    assert_eq!(g["answeredScorecardId"], id);
    assert_eq!(g["reviewTime"], a["reviewTime"]);
    assert_eq!(g["visibilityType"], "PRIVATE");
    assert_eq!(g["answers"][0]["score"], 2);
    assert_eq!(
        g["answers"][1]["notApplicable"], true,
        "left out: not applicable"
    );
    assert_eq!(g["answers"][3]["answerText"], "Rushed the close");
    assert!(g.get("editTime").is_none() && g.get("editorUserId").is_none());

    // Parley's routes show the edit.
    let r = w.s.get(&path).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.body["answeredScorecard"]["editorUserId"],
        w.manager.as_str()
    );
    let r =
        w.s.get(&format!("/parley/v1/calls/{}/scorecards", w.call))
            .await;
    assert_eq!(r.body["answeredScorecards"][0]["answers"][0]["score"], 2);
    assert_eq!(
        r.body["answeredScorecards"][0]["editTime"],
        e["editTime"].clone()
    );

    // Still one review for the activity counters.
    let r =
        w.s.post(
            "/v2/stats/activity/aggregate",
            json!({"filter": {"fromDate": "2026-03-01", "toDate": "2026-03-05"}}),
        )
        .await;
    let filled = r.body["usersAggregateActivityStats"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["userId"] == w.manager.as_str())
        .unwrap()["userAggregateActivityStats"]["callsScorecardsFilled"]
        .clone();
    assert_eq!(filled, 1);

    // The write is in the audit log, by its route.
    let r =
        w.s.get(&format!(
            "/v2/logs?logType=UserActivityLog&fromDateTime={}",
            (chrono::Utc::now() - chrono::Duration::hours(1)).format("%Y-%m-%dT%H:%M:%SZ")
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body["logEntries"]
            .as_array()
            .unwrap()
            .iter()
            .any(
                |x| x["logRecord"]["action"] == "PUT /parley/v1/calls/{id}/scorecards/{answered}"
                    && x["userId"] == w.manager.as_str()
            ),
        "{}",
        r.body
    );
}

/// Only the reviewer (or an admin) changes a filled scorecard: anyone else gets 403 in
/// Gong's error body; an unknown id, or one of another call, 404; answers that do not fit
/// the scorecard 400, naming each problem; nothing changes on a refusal.
#[tokio::test]
async fn changing_a_filled_scorecard_is_refused_in_gongs_error_body() {
    let w = World::new().await;
    let a = w.answered().await;
    let id = a["answeredScorecardId"].as_str().unwrap();
    let path = format!("/parley/v1/calls/{}/scorecards/{id}", w.call);
    let good = json!({"answers": [
        {"questionId": w.question(0), "score": 5},
        {"questionId": w.question(2), "selectedOptions": ["Yes"]},
    ]});

    // 403: the reviewed rep sees the review (of their own call) but may not change it.
    let rep_key = key(&w.s, Some(&w.rep), None).await;
    let r = send_as(&w.s, &rep_key, Method::GET, &path, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = send_as(&w.s, &rep_key, Method::PUT, &path, Some(good.clone())).await;
    assert_error(&r, StatusCode::FORBIDDEN, "changed only by its reviewer");
    let r = send_as(&w.s, &rep_key, Method::DELETE, &path, None).await;
    assert_error(&r, StatusCode::FORBIDDEN, "changed only by its reviewer");

    // 404: unknown ids, not an id, another call's path.
    for bad in [
        format!("/parley/v1/calls/{}/scorecards/1234567890123456789", w.call),
        format!("/parley/v1/calls/{}/scorecards/nope", w.call),
    ] {
        let r = send_as(&w.s, &w.manager_key, Method::PUT, &bad, Some(good.clone())).await;
        assert_error(&r, StatusCode::NOT_FOUND, "Answered scorecard ID");
        let r = send_as(&w.s, &w.manager_key, Method::DELETE, &bad, None).await;
        assert_error(&r, StatusCode::NOT_FOUND, "Answered scorecard ID");
    }
    let other_call =
        w.s.call(call_body("c2", &w.rep, "2026-03-04T15:00:00Z"))
            .await;
    let r = send_as(
        &w.s,
        &w.manager_key,
        Method::DELETE,
        &format!("/parley/v1/calls/{other_call}/scorecards/{id}"),
        None,
    )
    .await;
    assert_error(&r, StatusCode::NOT_FOUND, "Answered scorecard ID");

    // 400: answers that do not fit, each named; a body without answers; a bad visibility.
    let cases = [
        (
            json!({"answers": [{"questionId": w.question(0), "score": 9},
                               {"questionId": w.question(2), "selectedOptions": ["Yes"]}]}),
            "score: 9 is not within 1..=5",
        ),
        (
            json!({"answers": [{"questionId": w.question(0), "score": 3}]}),
            "is mandatory",
        ),
        (
            json!({"answers": [{"questionId": w.question(0), "score": 3},
                               {"questionId": w.question(2), "selectedOptions": ["Maybe"]}]}),
            "\"Maybe\" is not an option",
        ),
        (json!({"visibilityType": "PUBLIC"}), "answers is required"),
        (
            json!({"visibilityType": "SECRET", "answers": []}),
            "visibilityType",
        ),
    ];
    for (body, message) in cases {
        let r = send_as(&w.s, &w.manager_key, Method::PUT, &path, Some(body)).await;
        assert_error(&r, StatusCode::BAD_REQUEST, message);
    }
    let body = gong_answered(&w).await;
    assert_eq!(
        body["answeredScorecards"][0]["answers"][0]["score"], 4,
        "unchanged"
    );

    // An admin may (the server's own key is an admin's).
    let r = w.s.send(Method::PUT, &path, Some(good)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["answeredScorecard"]["answers"][0]["score"], 5);
}

/// The reviewer deletes a filled scorecard: it is gone from every listing and from the
/// activity counters; deleting it again is a 404.
#[tokio::test]
async fn the_reviewer_deletes_a_filled_scorecard() {
    let w = World::new().await;
    let a = w.answered().await;
    let id = a["answeredScorecardId"].as_str().unwrap();
    let path = format!("/parley/v1/calls/{}/scorecards/{id}", w.call);
    let r = send_as(&w.s, &w.manager_key, Method::DELETE, &path, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = send_as(&w.s, &w.manager_key, Method::DELETE, &path, None).await;
    assert_error(&r, StatusCode::NOT_FOUND, "Answered scorecard ID");
    let r = w.s.get(&path).await;
    assert_error(&r, StatusCode::NOT_FOUND, "Answered scorecard ID");
    let r =
        w.s.post(
            "/v2/stats/activity/scorecards",
            json!({"filter": {"callIds": [w.call]}}),
        )
        .await;
    assert_error(&r, StatusCode::NOT_FOUND, "Answered scorecards not found");
    let r =
        w.s.post(
            "/v2/stats/activity/aggregate",
            json!({"filter": {"fromDate": "2026-03-01", "toDate": "2026-03-05"}}),
        )
        .await;
    // No stats at all (Gong's 404) or none filled by the manager.
    let manager = r.body["usersAggregateActivityStats"]
        .as_array()
        .and_then(|l| l.iter().find(|x| x["userId"] == w.manager.as_str()))
        .map(|x| x["userAggregateActivityStats"]["callsScorecardsFilled"].clone());
    assert!(
        matches!(manager, None | Some(Value::Null)) || manager == Some(json!(0)),
        "{}",
        r.body
    );
}
