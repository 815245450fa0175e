/** The dashboard's one stylesheet, served from our origin so the CSP can forbid inline styles. */
export const STYLESHEET = `
:root { color-scheme: light dark; --fg: #1d2330; --muted: #667085; --line: #d9dee7; --bg: #f6f7f9; --card: #fff;
  --accent: #2f5bd3; --bad: #b42318; --good: #067647; --warn: #b54708; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6e9ef; --muted: #98a2b3; --line: #344054; --bg: #101828;
  --card: #1d2939; --accent: #7aa2ff; --bad: #f97066; --good: #47cd89; --warn: #fdb022; } }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--accent); text-decoration: none; } a:hover { text-decoration: underline; }
header.top { display: flex; align-items: center; gap: 1.5rem; padding: .6rem 1.5rem; background: var(--card);
  border-bottom: 1px solid var(--line); }
header.top .brand { font-weight: 700; font-size: 1.1rem; color: var(--fg); }
header.top nav { display: flex; gap: 1rem; flex: 1; flex-wrap: wrap; }
header.top .logout { display: flex; gap: .75rem; align-items: center; margin: 0; }
.role { color: var(--muted); font-size: .85rem; }
main { max-width: 72rem; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
h1 { font-size: 1.5rem; margin: 1rem 0; } h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
table { width: 100%; border-collapse: collapse; background: var(--card); border: 1px solid var(--line); }
th, td { text-align: left; padding: .45rem .7rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: .8rem; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); }
code, pre { font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, monospace; }
pre { background: var(--bg); padding: .6rem; overflow-x: auto; border: 1px solid var(--line); }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 1rem 1.25rem; margin: 1rem 0; }
.narrow { max-width: 26rem; }
form.stack, .card form { display: grid; gap: .6rem; }
label { font-weight: 600; font-size: .9rem; }
input[type=text], input[type=password], input[type=search], textarea, select { width: 100%; padding: .45rem .6rem;
  border: 1px solid var(--line); border-radius: 6px; background: var(--card); color: var(--fg); font: inherit; }
textarea { min-height: 9rem; }
button { padding: .45rem .9rem; border: 1px solid var(--accent); background: var(--accent); color: #fff;
  border-radius: 6px; font: inherit; cursor: pointer; justify-self: start; }
button.secondary { background: transparent; color: var(--accent); }
.error { color: var(--bad); font-weight: 600; } .ok { color: var(--good); font-weight: 600; }
.empty, .muted { color: var(--muted); }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 999px; font-size: .8rem; border: 1px solid var(--line); }
.badge.high, .badge.urgent, .badge.failed, .badge.bounced, .badge.cancelled { color: var(--bad); border-color: var(--bad); }
.badge.sending, .badge.active, .badge.sent, .badge.delivered, .badge.done { color: var(--good); border-color: var(--good); }
.badge.paused, .badge.queued { color: var(--warn); border-color: var(--warn); }
.counters { display: flex; gap: 1rem; flex-wrap: wrap; } .counters div { background: var(--card); border: 1px solid var(--line);
  border-radius: 8px; padding: .5rem .9rem; min-width: 7rem; } .counters strong { display: block; font-size: 1.4rem; }
.message { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .75rem 1rem; margin: .75rem 0; }
.message header { color: var(--muted); font-size: .85rem; margin-bottom: .4rem; }
.markdown :first-child { margin-top: 0; } .markdown :last-child { margin-bottom: 0; }
.markdown blockquote { border-left: 3px solid var(--line); margin: 0; padding-left: .8rem; color: var(--muted); }
.inline { display: inline-block; margin: .25rem .5rem .75rem 0; } .row { display: flex; gap: .6rem; align-items: center; flex-wrap: wrap; }
svg.chart { background: var(--card); border: 1px solid var(--line); border-radius: 8px; width: 100%; height: auto; }
svg.chart .bar { fill: var(--accent); } svg.chart text { fill: var(--muted); font-size: 11px; }
svg.chart .axis { stroke: var(--line); }
fieldset { border: 1px solid var(--line); border-radius: 6px; display: grid; gap: .4rem; }
fieldset label { display: flex; gap: .5rem; align-items: baseline; font-weight: 400; }
.warning { border-left: 4px solid var(--warn); padding-left: .8rem; }
`;
