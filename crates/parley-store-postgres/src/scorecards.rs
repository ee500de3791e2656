//! Scorecards on PostgreSQL (migration 0003, as SQLite's 0017): definitions with their questions, answered
//! scorecards with their answers and activity events.

use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::{Postgres, QueryBuilder, Row};

use parley_domain::scorecard::{
    Answer, AnswerEdit, AnsweredScorecard, AnsweredScorecardId, Question, QuestionId, QuestionType,
    ReviewMethod, Scorecard, ScorecardId, Visibility,
};
use parley_domain::{ActivityKind, CallId, UserId, WorkspaceId};
use parley_store::codec::{corrupt, map_missing, map_unique, ts, us};
use parley_store::scorecards::{answer_columns, answer_of, options_json, options_of};
use parley_store::{
    AnsweredFilter, AnsweredKey, AnsweredRecord, Result, ScorecardStore, StoreError,
};

use crate::calls::push_call_filter;
use crate::PgStore;

const NAME_TAKEN: &str = "a scorecard of that name exists in this workspace";

fn scorecard_of(r: &PgRow) -> Result<Scorecard> {
    let method: String = r.try_get("review_method")?;
    Ok(Scorecard {
        id: ScorecardId(r.try_get("id")?),
        workspace_id: WorkspaceId(r.try_get("workspace_id")?),
        name: r.try_get("name")?,
        enabled: r.try_get("enabled")?,
        review_method: ReviewMethod::parse(&method)
            .ok_or_else(|| corrupt("review method", &method))?,
        questions: Vec::new(),
        created: ts(r.try_get("created_us")?)?,
        creator: r.try_get::<Option<i64>, _>("creator_user_id")?.map(UserId),
        updated: ts(r.try_get("updated_us")?)?,
        updater: r.try_get::<Option<i64>, _>("updater_user_id")?.map(UserId),
    })
}

fn question_of(r: &PgRow) -> Result<Question> {
    let kind: String = r.try_get("kind")?;
    let min: Option<i64> = r.try_get("min_range")?;
    let max: Option<i64> = r.try_get("max_range")?;
    let range = match (min, max) {
        (Some(a), Some(b)) => Some((
            i32::try_from(a).map_err(|_| corrupt("min range", &a.to_string()))?,
            i32::try_from(b).map_err(|_| corrupt("max range", &b.to_string()))?,
        )),
        _ => None,
    };
    let options: String = r.try_get("options")?;
    Ok(Question {
        id: QuestionId(r.try_get("id")?),
        revision: r.try_get("revision_id")?,
        text: r.try_get("text")?,
        kind: QuestionType::parse(&kind).ok_or_else(|| corrupt("question type", &kind))?,
        mandatory: r.try_get("mandatory")?,
        is_overall: r.try_get("is_overall")?,
        answer_guide: r.try_get("answer_guide")?,
        range,
        options: options_of(&options)?,
        created: ts(r.try_get("created_us")?)?,
        updated: ts(r.try_get("updated_us")?)?,
        updater: r.try_get::<Option<i64>, _>("updater_user_id")?.map(UserId),
    })
}

impl PgStore {
    /// The scorecards `q` selects (`SELECT * FROM scorecards ...`), with their questions.
    async fn scorecards_where(&self, mut q: QueryBuilder<'_, Postgres>) -> Result<Vec<Scorecard>> {
        let rows = q.build().fetch_all(&self.pool).await?;
        let mut list: Vec<Scorecard> = rows.iter().map(scorecard_of).collect::<Result<_>>()?;
        if list.is_empty() {
            return Ok(list);
        }
        let mut q =
            QueryBuilder::new("SELECT * FROM scorecard_questions WHERE scorecard_id = ANY(");
        q.push_bind(list.iter().map(|s| s.id.0).collect::<Vec<i64>>())
            .push(") ORDER BY scorecard_id, position");
        for r in q.build().fetch_all(&self.pool).await? {
            let owner = ScorecardId(r.try_get("scorecard_id")?);
            if let Some(s) = list.iter_mut().find(|s| s.id == owner) {
                s.questions.push(question_of(&r)?);
            }
        }
        Ok(list)
    }
}

fn push_answered_filter(q: &mut QueryBuilder<'_, Postgres>, f: &AnsweredFilter) {
    q.push(" WHERE TRUE");
    if let Some(w) = f.workspace_id {
        q.push(" AND s.workspace_id = ").push_bind(w.0);
    }
    let lists = [
        (
            "a.scorecard_id",
            f.scorecard_ids
                .as_ref()
                .map(|l| l.iter().map(|i| i.0).collect()),
        ),
        (
            "a.reviewed_user_id",
            f.reviewed_users
                .as_ref()
                .map(|l| l.iter().map(|i| i.0).collect()),
        ),
        (
            "a.reviewer_user_id",
            f.reviewers
                .as_ref()
                .map(|l| l.iter().map(|i| i.0).collect()),
        ),
    ];
    for (column, ids) in lists {
        let Some(ids): Option<Vec<i64>> = ids else {
            continue;
        };
        if ids.is_empty() {
            q.push(" AND FALSE");
        } else {
            q.push(format!(" AND {column} = ANY("))
                .push_bind(ids)
                .push(")");
        }
    }
    if let Some(from) = f.review_from {
        q.push(" AND a.reviewed_us >= ").push_bind(us(from));
    }
    if let Some(to) = f.review_to {
        q.push(" AND a.reviewed_us < ").push_bind(us(to));
    }
    if f.filters_calls() {
        q.push(" AND a.call_id IN (SELECT id FROM calls");
        push_call_filter(q, &f.calls);
        q.push(")");
    }
    if let Some(v) = &f.viewer {
        let team: Vec<i64> = v.team.iter().map(|u| u.0).collect();
        q.push(" AND (a.visibility = ")
            .push_bind(Visibility::Public.key())
            .push(" OR a.reviewer_user_id = ")
            .push_bind(v.user.0)
            .push(" OR a.reviewed_user_id = ANY(")
            .push_bind(team)
            .push("))");
    }
}

const ANSWERED_SELECT: &str = "SELECT a.*, s.name, s.review_method, s.workspace_id, c.started_us";

const ANSWERED_FROM: &str =
    " FROM answered_scorecards a JOIN scorecards s ON s.id = a.scorecard_id \
     JOIN calls c ON c.id = a.call_id";

fn answered_of(r: &PgRow) -> Result<AnsweredRecord> {
    let visibility: String = r.try_get("visibility")?;
    let method: String = r.try_get("review_method")?;
    Ok(AnsweredRecord {
        answered: AnsweredScorecard {
            id: AnsweredScorecardId(r.try_get("id")?),
            scorecard_id: ScorecardId(r.try_get("scorecard_id")?),
            call_id: CallId(r.try_get("call_id")?),
            reviewed_user: UserId(r.try_get("reviewed_user_id")?),
            reviewer: UserId(r.try_get("reviewer_user_id")?),
            reviewed_at: ts(r.try_get("reviewed_us")?)?,
            visibility: Visibility::parse(&visibility)
                .ok_or_else(|| corrupt("visibility", &visibility))?,
            answers: Vec::new(),
            edited: match (
                r.try_get::<Option<i64>, _>("edited_us")?,
                r.try_get::<Option<i64>, _>("editor_user_id")?,
            ) {
                (Some(at), Some(by)) => Some(AnswerEdit {
                    by: UserId(by),
                    at: ts(at)?,
                }),
                _ => None,
            },
        },
        scorecard_name: r.try_get("name")?,
        review_method: ReviewMethod::parse(&method)
            .ok_or_else(|| corrupt("review method", &method))?,
        workspace_id: WorkspaceId(r.try_get("workspace_id")?),
        call_started: ts(r.try_get("started_us")?)?,
    })
}

/// Writes a filled scorecard's answers, in the scorecard's order.
async fn insert_answers(
    tx: &mut sqlx::Transaction<'static, Postgres>,
    a: &AnsweredScorecard,
) -> Result<()> {
    for (i, answer) in a.answers.iter().enumerate() {
        let (na, score, text, options) = answer_columns(&answer.value);
        sqlx::query(
            "INSERT INTO scorecard_answers (answered_id, position, question_id, revision_id, \
             not_applicable, score, answer_text, options) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(a.id.0)
        .bind(i as i64)
        .bind(answer.question_id.0)
        .bind(answer.revision)
        .bind(na)
        .bind(score)
        .bind(text)
        .bind(options)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

#[async_trait]
impl ScorecardStore for PgStore {
    async fn save_scorecard(&self, s: &Scorecard) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO scorecards (id, workspace_id, name, enabled, review_method, created_us, \
             creator_user_id, updated_us, updater_user_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (id) DO UPDATE SET workspace_id = excluded.workspace_id, \
             name = excluded.name, enabled = excluded.enabled, \
             review_method = excluded.review_method, updated_us = excluded.updated_us, \
             updater_user_id = excluded.updater_user_id",
        )
        .bind(s.id.0)
        .bind(s.workspace_id.0)
        .bind(&s.name)
        .bind(s.enabled)
        .bind(s.review_method.key())
        .bind(us(s.created))
        .bind(s.creator.map(|u| u.0))
        .bind(us(s.updated))
        .bind(s.updater.map(|u| u.0))
        .execute(&mut *tx)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(d) if d.is_foreign_key_violation() => {
                map_missing(e, || format!("workspace {}", s.workspace_id))
            }
            _ => map_unique(e, NAME_TAKEN),
        })?;
        sqlx::query("DELETE FROM scorecard_questions WHERE scorecard_id = $1")
            .bind(s.id.0)
            .execute(&mut *tx)
            .await?;
        for (i, q) in s.questions.iter().enumerate() {
            sqlx::query(
                "INSERT INTO scorecard_questions (scorecard_id, position, id, revision_id, text, \
                 kind, mandatory, is_overall, answer_guide, min_range, max_range, options, \
                 created_us, updated_us, updater_user_id) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
            )
            .bind(s.id.0)
            .bind(i as i64)
            .bind(q.id.0)
            .bind(q.revision)
            .bind(&q.text)
            .bind(q.kind.key())
            .bind(q.mandatory)
            .bind(q.is_overall)
            .bind(&q.answer_guide)
            .bind(q.range.map(|r| i64::from(r.0)))
            .bind(q.range.map(|r| i64::from(r.1)))
            .bind(options_json(&q.options))
            .bind(us(q.created))
            .bind(us(q.updated))
            .bind(q.updater.map(|u| u.0))
            .execute(&mut *tx)
            .await
            .map_err(|e| map_unique(e, "a question id belongs to another scorecard"))?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn get_scorecard(&self, id: ScorecardId) -> Result<Option<Scorecard>> {
        let mut q = QueryBuilder::new("SELECT * FROM scorecards WHERE id = ");
        q.push_bind(id.0);
        Ok(self.scorecards_where(q).await?.into_iter().next())
    }

    async fn scorecards(&self, workspace: Option<WorkspaceId>) -> Result<Vec<Scorecard>> {
        let mut q = QueryBuilder::new("SELECT * FROM scorecards");
        if let Some(w) = workspace {
            q.push(" WHERE workspace_id = ").push_bind(w.0);
        }
        // SQLite's `COLLATE NOCASE` order (ASCII folded), as trackers are listed.
        q.push(" ORDER BY lower(name), id");
        self.scorecards_where(q).await
    }

    async fn delete_scorecard(&self, id: ScorecardId) -> Result<bool> {
        let mut tx = self.begin().await?;
        let answered: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM answered_scorecards WHERE scorecard_id = $1")
                .bind(id.0)
                .fetch_one(&mut *tx)
                .await?;
        if answered > 0 {
            return Err(StoreError::Conflict(format!(
                "scorecard {id} has {answered} answered scorecards: disable it instead"
            )));
        }
        // An answer committed since the count (another node) makes the delete fail on
        // its reference: the same conflict.
        let done = sqlx::query("DELETE FROM scorecards WHERE id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(|e| match &e {
                sqlx::Error::Database(d) if d.is_foreign_key_violation() => StoreError::Conflict(
                    format!("scorecard {id} has answered scorecards: disable it instead"),
                ),
                _ => StoreError::Backend(e),
            })?
            .rows_affected();
        tx.commit().await?;
        Ok(done > 0)
    }

    async fn answer_scorecard(&self, a: &AnsweredScorecard) -> Result<()> {
        let mut tx = self.begin().await?;
        let missing = |e: sqlx::Error| match &e {
            sqlx::Error::Database(d) if d.is_foreign_key_violation() => {
                StoreError::NotFound("the scorecard, call or user of the answered scorecard".into())
            }
            _ => StoreError::Backend(e),
        };
        sqlx::query(
            "INSERT INTO answered_scorecards (id, scorecard_id, call_id, reviewed_user_id, \
             reviewer_user_id, reviewed_us, visibility) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(a.id.0)
        .bind(a.scorecard_id.0)
        .bind(a.call_id.0)
        .bind(a.reviewed_user.0)
        .bind(a.reviewer.0)
        .bind(us(a.reviewed_at))
        .bind(a.visibility.key())
        .execute(&mut *tx)
        .await
        .map_err(missing)?;
        insert_answers(&mut tx, a).await?;
        sqlx::query(
            "INSERT INTO activity_events (id, kind, actor_user_id, subject_user_id, call_id, at_us) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(a.id.0)
        .bind(ActivityKind::Scorecard.key())
        .bind(a.reviewer.0)
        .bind(a.reviewed_user.0)
        .bind(a.call_id.0)
        .bind(us(a.reviewed_at))
        .execute(&mut *tx)
        .await
        .map_err(missing)?;
        tx.commit().await?;
        Ok(())
    }

    async fn answered_scorecards(
        &self,
        f: &AnsweredFilter,
        after: Option<AnsweredKey>,
        limit: u32,
    ) -> Result<Vec<AnsweredRecord>> {
        let mut q = QueryBuilder::new(ANSWERED_SELECT);
        q.push(ANSWERED_FROM);
        push_answered_filter(&mut q, f);
        if let Some(k) = after {
            q.push(" AND (a.reviewed_us, a.id) > (")
                .push_bind(k.reviewed_us)
                .push(", ")
                .push_bind(k.id)
                .push(")");
        }
        q.push(" ORDER BY a.reviewed_us, a.id LIMIT ")
            .push_bind(i64::from(limit));
        self.answered_where(q).await
    }

    async fn count_answered_scorecards(&self, f: &AnsweredFilter) -> Result<i64> {
        let mut q = QueryBuilder::new("SELECT COUNT(*)::BIGINT");
        q.push(ANSWERED_FROM);
        push_answered_filter(&mut q, f);
        Ok(q.build_query_scalar().fetch_one(&self.pool).await?)
    }

    async fn get_answered_scorecard(
        &self,
        id: AnsweredScorecardId,
    ) -> Result<Option<AnsweredRecord>> {
        let mut q = QueryBuilder::new(ANSWERED_SELECT);
        q.push(ANSWERED_FROM);
        q.push(" WHERE a.id = ").push_bind(id.0);
        Ok(self.answered_where(q).await?.into_iter().next())
    }

    async fn edit_answered_scorecard(&self, a: &AnsweredScorecard) -> Result<bool> {
        let mut tx = self.begin().await?;
        // The row's update comes first: on PostgreSQL it locks the row, so concurrent
        // edits of one answered scorecard replace its answers one after the other.
        let found = sqlx::query(
            "UPDATE answered_scorecards SET visibility = $1, edited_us = $2, \
             editor_user_id = $3 WHERE id = $4",
        )
        .bind(a.visibility.key())
        .bind(a.edited.map(|e| us(e.at)))
        .bind(a.edited.map(|e| e.by.0))
        .bind(a.id.0)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if found == 0 {
            return Ok(false);
        }
        sqlx::query("DELETE FROM scorecard_answers WHERE answered_id = $1")
            .bind(a.id.0)
            .execute(&mut *tx)
            .await?;
        insert_answers(&mut tx, a).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn delete_answered_scorecard(&self, id: AnsweredScorecardId) -> Result<bool> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM activity_events WHERE id = $1 AND kind = $2")
            .bind(id.0)
            .bind(ActivityKind::Scorecard.key())
            .execute(&mut *tx)
            .await?;
        // The answers go with it (ON DELETE CASCADE).
        let done = sqlx::query("DELETE FROM answered_scorecards WHERE id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(done > 0)
    }
}

impl PgStore {
    /// The answered scorecards `q` selects (`ANSWERED_SELECT` `ANSWERED_FROM` ...), with
    /// their answers.
    async fn answered_where(
        &self,
        mut q: QueryBuilder<'_, Postgres>,
    ) -> Result<Vec<AnsweredRecord>> {
        let rows = q.build().fetch_all(&self.pool).await?;
        let mut list: Vec<AnsweredRecord> = rows.iter().map(answered_of).collect::<Result<_>>()?;
        if list.is_empty() {
            return Ok(list);
        }
        let mut q = QueryBuilder::new("SELECT * FROM scorecard_answers WHERE answered_id = ANY(");
        q.push_bind(list.iter().map(|r| r.answered.id.0).collect::<Vec<i64>>())
            .push(") ORDER BY answered_id, position");
        for r in q.build().fetch_all(&self.pool).await? {
            let owner = AnsweredScorecardId(r.try_get("answered_id")?);
            let value = answer_of(
                r.try_get("not_applicable")?,
                r.try_get("score")?,
                r.try_get("answer_text")?,
                r.try_get("options")?,
            )?;
            if let Some(rec) = list.iter_mut().find(|x| x.answered.id == owner) {
                rec.answered.answers.push(Answer {
                    question_id: QuestionId(r.try_get("question_id")?),
                    revision: r.try_get("revision_id")?,
                    value,
                });
            }
        }
        Ok(list)
    }
}
