export { MailEvents, type NewMailEvent } from "./mail-events";
export { durableNotifier, mailEventsStub } from "./notifier";
