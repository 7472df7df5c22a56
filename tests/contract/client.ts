// client.ts: a small client typed only by the types openapi-typescript generates from
// openapi.yaml ("iasc-openapi", see tests/api/test_typescript.py). It reads a real answer of
// every GET endpoint from a running server and uses their fields as a client would, so a
// type the contract gets wrong fails `tsc --strict`, and an answer that does not have the
// shape the types promise fails here at run time.
//
//   IASC_API_URL=http://127.0.0.1:8080 IASC_ADMIN_TOKEN=iasc_... node client.js
//
// Prints one line per endpoint read, then "ok: N responses read"; exits 1 on any mismatch.

import type { components, paths } from "iasc-openapi";

// Node 20 has fetch and process; only fetch is in the DOM library, so process is declared
// here (no @types/node needed).
declare const process: { env: Record<string, string | undefined>; exitCode?: number };

type Schemas = components["schemas"];

// The body of a 200 answer to GET on path P, as media type M.
type Ok<P extends keyof paths, M extends string = "application/json"> = paths[P] extends {
  get: { responses: { 200: { content: infer C } } };
}
  ? M extends keyof C
    ? C[M]
    : never
  : never;

// Compile-time checks that a generated type is exactly the one expected (not merely
// assignable): Check<Equals<A, B>> does not compile unless A and B are the same type.
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Check<T extends true> = T;
export type TypeChecks = [
  Check<Equals<Schemas["SupportRate"]["amount_pence"], number>>,
  Check<Equals<Schemas["SupportRate"]["effective_to"], string | null>>,
  Check<Equals<Schemas["SupportRate"]["period"], "week" | "one_off">>,
  Check<Equals<Schemas["Helpline"]["phone_e164"], string | null>>,
  Check<Equals<Schemas["Helpline"]["is_24_7"], boolean>>,
  Check<Equals<Schemas["Helpline"]["position"], number>>,
  Check<Equals<Schemas["Helpline"]["urgency"], "emergency" | "non-emergency" | "anonymous" | "advice">>,
  Check<Equals<Schemas["News"]["published_at"], string | null>>,
  Check<Equals<Schemas["NewsDetail"]["body_html"], string | null>>,
  Check<Equals<Schemas["Document"]["size_bytes"], number | null>>,
  Check<Equals<Schemas["Publication"]["identifiers"], { [key: string]: string }>>,
  Check<Equals<Schemas["SearchResult"]["type"], "news" | "publications" | "resources">>,
  Check<Equals<Schemas["Tombstone"]["deleted"], true>>,
  Check<Equals<Schemas["NextCursor"], string | null>>,
  Check<Equals<Schemas["AuditEntry"]["id"], number>>,
  Check<Equals<Ok<"/healthz">["status"], "ok">>,
];

const BASE = (process.env.IASC_API_URL ?? "http://127.0.0.1:8080").replace(/\/$/, "");
const TOKEN = process.env.IASC_ADMIN_TOKEN;
let responses = 0;

class Mismatch extends Error {}

function expect(cond: boolean, what: string): void {
  if (!cond) throw new Mismatch(what);
}

// GETs target (a concrete path of the template P) and returns its body typed by the contract:
// JSON parsed for JSON media types, the text otherwise. Fails unless the answer is a 200 of
// media type M.
async function get<P extends keyof paths, M extends string = "application/json">(
  template: P,
  target: string,
  options: { media?: M; token?: string } = {},
): Promise<Ok<P, M>> {
  const want = (options.media ?? "application/json").split(";")[0]!.trim();
  const headers: Record<string, string> = { Accept: "*/*" };
  if (options.token !== undefined) headers["Authorization"] = "Bearer " + options.token;
  const r = await fetch(BASE + target, { headers });
  const type = (r.headers.get("content-type") ?? "").split(";")[0]!.trim();
  const text = await r.text();
  expect(r.status === 200, `GET ${target} (${template}): status ${r.status}: ${text.slice(0, 200)}`);
  expect(type === want, `GET ${target}: Content-Type ${type}, expected ${want}`);
  responses++;
  return (want.endsWith("json") ? JSON.parse(text) : text) as Ok<P, M>;
}

function isItem<T extends object>(x: T | Schemas["Tombstone"]): x is T {
  return !("deleted" in x);
}

function log(line: string): void {
  console.log(line);
}

async function operations(): Promise<void> {
  const health = await get("/healthz", "/healthz");
  expect(health.status === "ok", "healthz status");
  const ready = await get("/readyz", "/readyz");
  expect(ready.status === "ready", "readyz status");
  const doc = await get("/openapi.json", "/openapi.json");
  expect(doc.openapi === "3.1.0" && typeof doc.info.version === "string", "openapi.json");
  expect("/v1/news" in doc.paths, "openapi.json lists /v1/news");
  const yamlText: string = await get("/openapi.yaml", "/openapi.yaml", { media: "application/yaml" });
  expect(yamlText.startsWith("openapi: 3.1.0"), "openapi.yaml starts with its version");
  log(`operations: healthz ${health.status}, readyz ${ready.status}, contract ${doc.info.version}`);
}

async function news(): Promise<void> {
  const list = await get("/v1/news", "/v1/news?limit=100");
  const items = list.data.filter(isItem);
  expect(items.length > 0, "news list is empty");
  const dated = items.filter((n) => n.published_at !== null).length;
  const first = items[0]!;
  const one = await get("/v1/news/{key}", "/v1/news/" + encodeURIComponent(first.slug));
  const html: string | null = one.body_html;
  expect(one.id === first.id && one.url === first.url, "news item matches its list entry");
  const next: string | null = list.next_cursor;
  log(`news: ${items.length} listed (${dated} dated, next_cursor ${next === null ? "null" : "set"}); ` +
      `${one.slug}: body_html ${html === null ? "null" : html.length + " chars"}`);
}

async function publications(): Promise<void> {
  const list = await get("/v1/publications", "/v1/publications?limit=100");
  const items = list.data.filter(isItem);
  expect(items.length > 0, "publication list is empty");
  let bytes = 0;
  let unknownSizes = 0;
  for (const p of items) {
    for (const d of p.documents) {
      if (d.size_bytes === null) unknownSizes++;
      else bytes += d.size_bytes;
    }
  }
  const isbns = items.map((p) => p.identifiers["isbn"]).filter((v): v is string => v !== undefined);
  const one = await get("/v1/publications/{key}", "/v1/publications/" + encodeURIComponent(items[0]!.slug));
  const on: string | null = one.published_on;
  log(`publications: ${items.length} listed, documents ${bytes} bytes known (${unknownSizes} sizes unknown), ` +
      `${isbns.length} ISBNs; ${one.slug}: published_on ${on ?? "null"}`);
}

async function helplines(): Promise<void> {
  const list = await get("/v1/helplines", "/v1/helplines?limit=100");
  const items = list.data.filter(isItem);
  expect(items.length > 0, "helpline list is empty");
  const e164: (string | null)[] = items.map((h) => h.phone_e164);
  for (const n of e164) expect(n === null || /^\+[1-9][0-9]{6,14}$/.test(n), `phone_e164 ${n}`);
  const emergency = items.filter((h) => h.urgency === "emergency");
  const positions = items.map((h) => h.position);
  expect(positions.every((p, i) => i === 0 || p >= positions[i - 1]!), "helplines ordered by position");
  const one = await get("/v1/helplines/{key}", "/v1/helplines/" + encodeURIComponent(items[0]!.slug));
  const jurisdictions: string[] = one.jurisdictions;
  log(`helplines: ${items.length} listed, ${e164.filter((n) => n !== null).length} with an E.164 number, ` +
      `${emergency.length} emergency, ${items.filter((h) => h.is_24_7).length} round the clock; ` +
      `${one.slug}: ${jurisdictions.join(", ")}`);
}

async function supportRates(): Promise<void> {
  const list = await get("/v1/support-rates", "/v1/support-rates?history=true&limit=100");
  const items = list.data.filter(isItem);
  expect(items.length > 0, "support-rate list is empty");
  const total = items.reduce((sum, r) => sum + r.amount_pence, 0);
  expect(Number.isInteger(total), "amount_pence sums to a whole number of pence");
  const weekly = items.filter((r) => r.period === "week").length;
  const open = items.filter((r) => r.effective_to === null).length;
  const one = await get("/v1/support-rates/{key}", "/v1/support-rates/" + encodeURIComponent(items[0]!.id));
  const pounds = (one.amount_pence / 100).toFixed(2);
  log(`support-rates: ${items.length} periods, ${total} pence in all, ${weekly} weekly, ${open} open-ended; ` +
      `${one.id}: £${pounds} ${one.currency}`);
}

async function resources(): Promise<void> {
  const list = await get("/v1/resources", "/v1/resources?limit=100");
  const items = list.data.filter(isItem);
  expect(items.length > 0, "resource list is empty");
  const collections = new Set(items.map((r) => r.collection).filter((c): c is string => c !== null));
  const one = await get("/v1/resources/{key}", "/v1/resources/" + encodeURIComponent(items[0]!.slug));
  const link: string | null = one.link;
  log(`resources: ${items.length} listed in ${collections.size} collections; ${one.slug}: link ${link ?? "null"}`);
}

async function sync(): Promise<void> {
  const list = await get("/v1/news", "/v1/news?updated_since=2000-01-01T00:00:00Z&include_deleted=true&limit=100");
  const tombstones = list.data.filter((x): x is Schemas["Tombstone"] => "deleted" in x);
  for (const t of tombstones) expect(t.deleted === true, "a tombstone says deleted: true");
  log(`sync: ${list.data.length} news changes, ${tombstones.length} tombstones`);
}

async function search(): Promise<void> {
  const found = await get("/v1/search", "/v1/search?q=slavery&limit=50");
  expect(found.data.length > 0, "search found nothing for 'slavery'");
  const byType: Record<Schemas["SearchType"], number> = { news: 0, publications: 0, resources: 0 };
  for (const hit of found.data) {
    switch (hit.type) {
      case "news":
      case "publications":
      case "resources":
        byType[hit.type]++;
        break;
      default: {
        const unreachable: never = hit.type;
        throw new Mismatch("unknown search type " + String(unreachable));
      }
    }
    expect(hit.snippet.length > 0 && typeof hit.rank === "number", "search hit has a snippet and a rank");
  }
  log(`search: ${found.data.length} hits (news ${byType.news}, publications ${byType.publications}, ` +
      `resources ${byType.resources})`);
}

async function feeds(): Promise<void> {
  for (const name of ["news", "publications", "all"] as const) {
    const feed = await get("/v1/feeds/{feed}", `/v1/feeds/${name}.json`, {
      media: "application/feed+json; charset=utf-8",
    });
    expect(feed.version === "https://jsonfeed.org/version/1.1", "JSON Feed version");
    let attachments = 0;
    for (const item of feed.items) {
      expect(item.content_html !== undefined || item.content_text !== undefined, "feed item has content");
      const modified: string = item.date_modified;
      expect(!Number.isNaN(Date.parse(modified)), "date_modified parses");
      attachments += item.attachments?.length ?? 0;
    }
    const atom: string = await get("/v1/feeds/{feed}", `/v1/feeds/${name}.atom`, {
      media: "application/atom+xml; charset=utf-8",
    });
    expect(atom.includes("<feed"), "Atom feed");
    log(`feeds/${name}: ${feed.items.length} JSON Feed items, ${attachments} attachments; Atom ${atom.length} chars`);
  }
}

async function audit(): Promise<void> {
  if (TOKEN === undefined) throw new Mismatch("IASC_ADMIN_TOKEN is not set: the audit log needs it");
  const entries = await get("/v1/audit", "/v1/audit?limit=100", { token: TOKEN });
  const actions: Record<Schemas["AuditEntry"]["action"], number> = { create: 0, replace: 0, update: 0, delete: 0 };
  let rows = 0;
  for (const e of entries.data) {
    actions[e.action]++;
    for (const row of [e.before, e.after]) {
      if (row === null) continue;
      rows++;
      const version: number = row.version;
      expect(version >= 1, "audit row version");
    }
  }
  log(`audit: ${entries.data.length} entries (create ${actions.create}, replace ${actions.replace}, ` +
      `update ${actions.update}, delete ${actions.delete}), ${rows} rows`);
}

async function main(): Promise<void> {
  for (const step of [operations, news, publications, helplines, supportRates, resources, sync, search, feeds, audit]) {
    await step();
  }
  log(`ok: ${responses} responses read`);
}

main().catch((e: unknown) => {
  console.log("FAIL " + (e instanceof Error ? e.message : String(e)));
  process.exitCode = 1;
});
