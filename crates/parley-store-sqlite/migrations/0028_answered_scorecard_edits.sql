-- Answered scorecards can be edited by their reviewer (or an admin): the last edit's
-- time and editor. NULL: never edited. No reference to `users`, like the updaters of
-- `scorecards`: the edit is a record of who acted, not a link that must stay valid.
ALTER TABLE answered_scorecards ADD COLUMN edited_us INTEGER;
ALTER TABLE answered_scorecards ADD COLUMN editor_user_id INTEGER;
