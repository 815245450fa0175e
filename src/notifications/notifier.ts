/** The InboxNotifier that mail services call: pokes the project's MailEvents object after the reply. */
import type { InboxNotifier } from "../mail";

export function mailEventsStub(env: Env, projectId: number): DurableObjectStub<import("./mail-events").MailEvents> {
  return env.MAIL_EVENTS.get(env.MAIL_EVENTS.idFromName(`project:${projectId}`));
}

/**
 * Notifications never delay or fail a send: the poke is handed to waitUntil and its errors are dropped
 * (the message is already durable in D1; a client that missed the nudge re-reads its inbox).
 */
export function durableNotifier(env: Env, waitUntil: (promise: Promise<unknown>) => void): InboxNotifier {
  return {
    notify: async (event) => {
      // Senders pass only recipients with an open stream; nobody listening means nothing to poke.
      if (event.agentIds.length === 0) return;
      waitUntil(
        mailEventsStub(env, event.projectId)
          .notify({ ...event, agentIds: [...event.agentIds] })
          .catch(() => undefined),
      );
    },
  };
}
