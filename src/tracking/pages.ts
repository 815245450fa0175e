/**
 * What the public tracking routes answer with: the 1×1 GIF, the not-found page and the unsubscribe
 * pages. Pages are tiny, static, script-free HTML (nothing from the request or the database is
 * echoed into them), so they need no escaping and a CSP that allows nothing but posting the form back.
 */

/** A transparent 1×1 GIF89a (43 bytes). */
const PIXEL = Uint8Array.from(
  atob("R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw=="),
  (c) => c.charCodeAt(0),
);

/** Headers every tracking response carries: never cached (each hit counts), never indexed. */
const COMMON_HEADERS = {
  "Cache-Control": "no-store",
  "X-Robots-Tag": "noindex, nofollow",
  "Referrer-Policy": "no-referrer",
} as const;

const PAGE_HEADERS = {
  ...COMMON_HEADERS,
  "Content-Type": "text/html; charset=utf-8",
  "Content-Security-Policy": "default-src 'none'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  "X-Content-Type-Options": "nosniff",
} as const;

/** The form field the confirm page posts; RFC 8058 clients post `List-Unsubscribe=One-Click` instead. */
export const CONFIRM_FIELD = "unsubscribe";
export const CONFIRM_VALUE = "confirm";

export function pixelResponse(): Response {
  return new Response(PIXEL, {
    headers: { ...COMMON_HEADERS, "Content-Type": "image/gif", "Content-Length": String(PIXEL.length) },
  });
}

/** 302 to `location`; the only redirect any tracking route ever issues. */
export function redirectResponse(location: string): Response {
  return new Response(null, { status: 302, headers: { ...COMMON_HEADERS, Location: location } });
}

export function notFoundPage(): Response {
  return page(
    404,
    "Link not recognised",
    "<h1>Link not recognised</h1><p>This link is incomplete or has been altered. Copy the whole link from the email and try again.</p>",
  );
}

export function confirmPage(): Response {
  return page(
    200,
    "Unsubscribe",
    `<h1>Unsubscribe</h1>
<p>Stop receiving these emails at this address?</p>
<form method="post">
<input type="hidden" name="${CONFIRM_FIELD}" value="${CONFIRM_VALUE}">
<button type="submit">Unsubscribe</button>
</form>`,
  );
}

export function unsubscribedPage(): Response {
  return page(
    200,
    "Unsubscribed",
    `<h1>You are unsubscribed</h1><p role="status">This address will not receive these emails again.</p>`,
  );
}

export function badUnsubscribeRequestPage(): Response {
  return page(
    400,
    "Unsubscribe",
    `<h1>Nothing changed</h1><p>This request did not ask to unsubscribe. Use the button below to confirm.</p>
<form method="post">
<input type="hidden" name="${CONFIRM_FIELD}" value="${CONFIRM_VALUE}">
<button type="submit">Unsubscribe</button>
</form>`,
  );
}

export function unavailablePage(): Response {
  const res = page(
    503,
    "Try again",
    "<h1>Please try again</h1><p>We could not record your request just now. Nothing was lost; try again in a minute.</p>",
  );
  res.headers.set("Retry-After", "60");
  return res;
}

function page(status: number, title: string, body: string): Response {
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
  return new Response(html, { status, headers: PAGE_HEADERS });
}
