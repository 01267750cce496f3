// The console's SSE parser (api/web/sse.js) against the HTML standard's event-stream rules
// and the frames GET /api/v1/stream really sends (api/routers/stream.py).
// Run: node --test tests/web/*.mjs (make lint-js).
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { createSseParser } from "../../api/web/sse.js";

// All events of `chunks` fed in order to one parser.
function parse(...chunks) {
  const parser = createSseParser();
  return chunks.flatMap((chunk) => parser.feed(chunk));
}

// What the server sends: its greeting, an alarm, a heartbeat, a ticket, the end.
const ALARM = '{"id":"A1","kind":"fire","building_id":"金泰里9号楼","note":"12:00 到场"}';
const TICKET = '{"id":"T1","status":"review","allowed_moves":["closed","rectifying"]}';
const ENDED = '{"detail":"token revoked or expired"}';
const STREAM =
  "retry: 2000\n: siteguard stream for duty\n\n" +
  `id: 01JDX4T4Q8M1V8R5C2N7K3H9ZB\nevent: alarm\ndata: ${ALARM}\n\n` +
  ": keepalive\n\n" +
  `id: 01JDX4T4Q8M1V8R5C2N7K3H9ZC\nevent: ticket\ndata: ${TICKET}\n\n` +
  `event: ended\ndata: ${ENDED}\n\n`;
const EXPECTED = [
  { event: "alarm", data: ALARM, id: "01JDX4T4Q8M1V8R5C2N7K3H9ZB" },
  { event: "ticket", data: TICKET, id: "01JDX4T4Q8M1V8R5C2N7K3H9ZC" },
  // No id of its own: the stream's last event id still stands (as in EventSource).
  { event: "ended", data: ENDED, id: "01JDX4T4Q8M1V8R5C2N7K3H9ZC" },
];

describe("whole stream", () => {
  test("the server's frames in one chunk", () => {
    assert.deepEqual(parse(STREAM), EXPECTED);
  });

  test("split in two at every position: the same events", () => {
    for (let i = 0; i <= STREAM.length; i++) {
      assert.deepEqual(parse(STREAM.slice(0, i), STREAM.slice(i)), EXPECTED, `split at ${i}`);
    }
  });

  test("one character at a time", () => {
    assert.deepEqual(parse(...STREAM), EXPECTED);
  });

  test("CRLF line ends, split at every position", () => {
    const crlf = STREAM.replaceAll("\n", "\r\n");
    assert.deepEqual(parse(crlf), EXPECTED);
    for (let i = 0; i <= crlf.length; i++) {
      assert.deepEqual(parse(crlf.slice(0, i), crlf.slice(i)), EXPECTED, `split at ${i}`);
    }
  });

  test("CR line ends, and the three mixed", () => {
    assert.deepEqual(parse(STREAM.replaceAll("\n", "\r")), EXPECTED);
    // In this order a lone "\r" is never followed by "\n" (which would make one CRLF).
    let i = 0;
    const mixed = STREAM.replace(/\n/g, () => ["\r\n", "\n", "\r"][i++ % 3]);
    assert.deepEqual(parse(mixed), EXPECTED);
  });
});

describe("dispatch", () => {
  test("an event whose blank line ends the chunk comes out of that chunk", () => {
    const parser = createSseParser();
    assert.deepEqual(parser.feed("event: alarm\ndata: 1\n\n"), [{ event: "alarm", data: "1", id: "" }]);
    assert.deepEqual(parser.feed(""), []); // nothing held back, nothing twice
    assert.deepEqual(parser.feed("data: 2\n\n"), [{ event: "message", data: "2", id: "" }]);
  });

  test("an event waits for its blank line, however its chunks fall", () => {
    const parser = createSseParser();
    assert.deepEqual(parser.feed("event: ala"), []);
    assert.deepEqual(parser.feed("rm\ndata: {\"a\""), []);
    assert.deepEqual(parser.feed(":1}\n"), []); // the data line is complete, the event is not
    assert.deepEqual(parser.feed("\n"), [{ event: "alarm", data: '{"a":1}', id: "" }]);
  });

  test("a CRLF split between chunks is one line end, not two", () => {
    // Were the "\r" and the "\n" taken apart, "a" would be dispatched alone.
    assert.deepEqual(parse("data: a\r", "\ndata: b\r", "\n\r", "\n"), [
      { event: "message", data: "a\nb", id: "" },
    ]);
  });

  test("two events in one chunk, in order", () => {
    assert.deepEqual(parse("event: alarm\ndata: 1\n\nevent: ticket\ndata: 2\n\n"), [
      { event: "alarm", data: "1", id: "" },
      { event: "ticket", data: "2", id: "" },
    ]);
  });

  test("the end of the stream without a blank line dispatches nothing", () => {
    assert.deepEqual(parse("event: alarm\ndata: cut off"), []);
  });

  test("an event without data is not dispatched, and its type does not carry over", () => {
    assert.deepEqual(parse("event: alarm\n\ndata: x\n\n"), [{ event: "message", data: "x", id: "" }]);
  });

  test("the event type is reset after each event", () => {
    assert.deepEqual(parse("event: ended\ndata: a\n\ndata: b\n\n").map((e) => e.event), ["ended", "message"]);
  });

  test("the ended frame exactly as the server sends it", () => {
    assert.deepEqual(parse('event: ended\ndata: {"detail":"token revoked or expired"}\n\n'), [
      { event: "ended", data: ENDED, id: "" },
    ]);
    assert.deepEqual(JSON.parse(parse(STREAM).at(-1).data), { detail: "token revoked or expired" });
  });
});

describe("data", () => {
  test("several data lines join with a newline, none after the last", () => {
    assert.deepEqual(parse("data: first\ndata: second\ndata: third\n\n"), [
      { event: "message", data: "first\nsecond\nthird", id: "" },
    ]);
  });

  test("empty data lines count", () => {
    assert.deepEqual(parse("data\ndata:\ndata: x\n\n"), [{ event: "message", data: "\n\nx", id: "" }]);
    assert.deepEqual(parse("data:\n\n"), [{ event: "message", data: "", id: "" }]);
  });

  test("one space after the colon is dropped, no more; later colons are data", () => {
    assert.deepEqual(parse("data:x\n\n")[0].data, "x");
    assert.deepEqual(parse("data:  x \n\n")[0].data, " x ");
    assert.deepEqual(parse('data: {"at":"12:00:01"}\n\n')[0].data, '{"at":"12:00:01"}');
  });

  test("Chinese text split inside a line survives", () => {
    assert.deepEqual(parse("data: 金泰", "里9号楼\n\n")[0].data, "金泰里9号楼");
  });
});

describe("comments and other fields", () => {
  test("heartbeats alone dispatch nothing", () => {
    assert.deepEqual(parse(": keepalive\n\n", ": keepalive\n\n", ":\n\n"), []);
  });

  test("a comment inside an event neither ends nor changes it", () => {
    assert.deepEqual(parse("event: alarm\n: keepalive\ndata: 1\n:data: 2\n\n"), [
      { event: "alarm", data: "1", id: "" },
    ]);
  });

  test("retry and unknown fields are ignored; field names are exact", () => {
    assert.deepEqual(parse("retry: 2000\nfoo: bar\nData: no\n data: no\ndata: yes\n\n"), [
      { event: "message", data: "yes", id: "" },
    ]);
  });
});

describe("id", () => {
  test("id: sets the id of its event and of those after it, until the next id:", () => {
    const events = parse("id: 1\ndata: a\n\ndata: b\n\nid: 2\ndata: c\n\n");
    assert.deepEqual(events.map((e) => e.id), ["1", "1", "2"]);
  });

  test("an id: without data still moves the last event id on", () => {
    assert.deepEqual(parse("id: 7\n\ndata: a\n\n"), [{ event: "message", data: "a", id: "7" }]);
  });

  test("an empty id: clears it; an id with NUL is ignored", () => {
    assert.deepEqual(parse("id: 1\ndata: a\n\nid\ndata: b\n\n").map((e) => e.id), ["1", ""]);
    assert.deepEqual(parse("id: 1\ndata: a\n\nid: 2\0\ndata: b\n\n").map((e) => e.id), ["1", "1"]);
  });

  test("each parser keeps its own state", () => {
    const one = createSseParser();
    const two = createSseParser();
    one.feed("id: 9\nevent: alarm\ndata: x");
    assert.deepEqual(two.feed("data: y\n\n"), [{ event: "message", data: "y", id: "" }]);
  });
});
