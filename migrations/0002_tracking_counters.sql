-- Engagement counters kept by the database itself: an AFTER INSERT trigger fires only for rows that
-- were actually inserted, so INSERT … ON CONFLICT (dedupe_key) DO NOTHING on a redelivered queue
-- message moves no counter, and counters commit in the same transaction as their event.
-- Totals count every recorded hit (bots included, flagged by is_bot); uniques count a recipient's
-- first non-bot open/click, marked by campaign_recipients.opened_at/clicked_at. Anonymous-count
-- campaigns store events with recipient_id NULL, so they keep totals but no uniques.
-- Only open, click and unsubscribe are counted here; bounces, replies and complaints are counted by
-- their writer (IMAP sync).
CREATE TRIGGER campaign_events_engagement_counters
AFTER INSERT ON campaign_events
WHEN NEW.kind IN ('open', 'click', 'unsubscribe')
BEGIN
  INSERT OR IGNORE INTO campaign_counters (campaign_id) VALUES (NEW.campaign_id);
  -- The unique check must run before the recipient is marked, below.
  UPDATE campaign_counters
  SET opened_unique = opened_unique + (NEW.kind = 'open'),
      clicked_unique = clicked_unique + (NEW.kind = 'click')
  WHERE campaign_id = NEW.campaign_id
    AND NEW.kind IN ('open', 'click')
    AND NEW.is_bot = 0
    AND EXISTS (
      SELECT 1 FROM campaign_recipients r
      WHERE r.id = NEW.recipient_id
        AND ((NEW.kind = 'open' AND r.opened_at IS NULL) OR (NEW.kind = 'click' AND r.clicked_at IS NULL))
    );
  UPDATE campaign_recipients SET opened_at = NEW.created_at
  WHERE id = NEW.recipient_id AND NEW.kind = 'open' AND NEW.is_bot = 0 AND opened_at IS NULL;
  UPDATE campaign_recipients SET clicked_at = NEW.created_at
  WHERE id = NEW.recipient_id AND NEW.kind = 'click' AND NEW.is_bot = 0 AND clicked_at IS NULL;
  UPDATE campaign_counters
  SET opened_total = opened_total + (NEW.kind = 'open'),
      clicked_total = clicked_total + (NEW.kind = 'click'),
      unsubscribed = unsubscribed + (NEW.kind = 'unsubscribe'),
      last_event_at = max(coalesce(last_event_at, ''), NEW.created_at)
  WHERE campaign_id = NEW.campaign_id;
END;
