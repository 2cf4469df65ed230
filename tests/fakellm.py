#!/usr/bin/env python3
"""fakellm.py - a fake OpenAI-compatible chat-completions server for llmcall's tests and bench.

Standard library only. Binds 127.0.0.1 (or --bind ADDRESS) on a free port and writes the port to
--port-file.

What each request gets is a mode. A record chooses its own modes with a marker anywhere in its
messages, "[[fake:M1,M2,...]]": its first attempt gets M1, the second M2, ... (the last repeats),
counted per marker and first user message, so that retries of one record follow the script
whatever the concurrency. Without a marker the request gets --mode.

Modes:
  ok           a valid reply (an email JSON object that passes the guardrails)
  fenced       the same, wrapped in a ```json fence
  discount     an email promising a discount (the guardrails must reject it)
  slow[:MS]    ok after MS milliseconds (default --slow-ms)
  429[:S]      429 rate_limit_exceeded with Retry-After: S seconds (default 1)
  429date[:S]  the same with Retry-After as an HTTP date
  quota        429 insufficient_quota
  500, 503     server errors (503 with Retry-After: 0)
  400          invalid_request_error (not retried)
  401          invalid_api_key, echoing the key it got in the message (llmcall must hide it)
  404          model_not_found
  badjson      200 with a body that is not JSON
  truncated    200 announcing more body than it sends, then closing
  reset        the connection reset without an answer
  never        no answer at all (the client must time out)
  lowrem       ok, with x-ratelimit-remaining-requests: 0 and reset 1s
  huge         ok, padded to a 9 MB body (over llmcall's 8 MiB limit)
  echokey      200 echoing the key it got in id, model, system_fingerprint and the email
  echourl      200 with the key URL-encoded (%2D...) in the email body
  echosplit    200 with the key in pieces of 8 or more characters in the email body
  echojson     200 with the key JSON-escaped (\\u00XX) in the email body
  errkey       400 whose error type and code are "Bearer <key>"
  refusal      OpenAI's refusal: content null, a refusal string
  length       a complete email JSON but finish_reason "length"
  lengthcut    the email cut off mid-JSON, finish_reason "length"
  think        "<think>...</think>" (reasoning that mentions a discount) before the email
  openai       a recorded OpenAI reply shape (refusal null, annotations, service_tier, token details)
  azure        Azure OpenAI's (prompt_filter_results, content_filter_results)
  ollama       Ollama's /v1 (system_fingerprint fp_ollama, message.reasoning)
  vllm         vLLM's (message.reasoning_content, stop_reason, prompt_logprobs)
  llamacpp     llama.cpp server's (message.reasoning_content, timings)

Every request is logged (with --log) as one JSON line: time, the client's address (peer), path,
the Authorization and api-key headers, the mode and the parsed body. GET /_reset forgets the
counts and empties the log.
"""
import argparse
import email.utils
import json
import os
import re
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MARK = re.compile(r"\[\[fake:([^\]]*)\]\]")
OK_EMAIL = {
    "subject": "A few picks for you",
    "preheader": "Chosen from what you liked before",
    "body_text": "Hello,\n\nwe picked a few things we think you will enjoy.\n\nThank you for shopping with us.",
}
BAD_EMAIL = {
    "subject": "A special treat",
    "preheader": "Only this week",
    "body_text": "Hello,\n\nenjoy a 20% discount on everything with the coupon SAVE20.",
}


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.counts = {}
        self.log = open(args.log, "a", encoding="utf-8") if args.log else None


def choose(state, body):
    """The mode of this request and the key of its record."""
    msgs = body.get("messages") if isinstance(body, dict) else None
    if not isinstance(msgs, list):
        return state.args.mode
    text = ""
    first_user = ""
    for m in msgs:
        c = m.get("content") if isinstance(m, dict) else None
        if isinstance(c, str):
            if not first_user and m.get("role") == "user":
                first_user = c
            text += c
    found = MARK.search(text)
    if not found:
        return state.args.mode
    modes = [x.strip() for x in found.group(1).split(",") if x.strip()] or [state.args.mode]
    key = found.group(0) + "\0" + first_user
    with state.lock:
        n = state.counts.get(key, 0)
        state.counts[key] = n + 1
    return modes[min(n, len(modes) - 1)]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True   # headers and body go in two writes: no 40 ms delayed-ACK stall
    server_version = "fakellm/1"

    def log_message(self, fmt, *args):  # quiet
        pass

    def reply(self, status, obj, headers=()):
        data = json.dumps(obj).encode() if not isinstance(obj, bytes) else obj
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def completion(self, body, content, headers=()):
        prompt = sum(len(m.get("content", "")) for m in body.get("messages", [])
                     if isinstance(m, dict) and isinstance(m.get("content"), str)) // 4
        self.reply(200, {
            "id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()),
            "model": body.get("model", "fake"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": prompt, "completion_tokens": 40, "total_tokens": prompt + 40},
        }, headers)

    def key(self):
        got = self.headers.get("Authorization") or self.headers.get("api-key") or ""
        return got[7:] if got.startswith("Bearer ") else got

    def email_with(self, text):
        return json.dumps(dict(OK_EMAIL, body_text=OK_EMAIL["body_text"] + "\n\nRef: " + text))

    def shaped(self, body, provider):
        """A reply in the shape the provider's server sends (fields recorded from each)."""
        content = json.dumps(OK_EMAIL)
        model = body.get("model", "fake")
        usage = {"prompt_tokens": 120, "completion_tokens": 60, "total_tokens": 180}
        msg = {"role": "assistant", "content": content}
        out = {"id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()),
               "model": model, "usage": usage}
        choice = {"index": 0, "message": msg, "finish_reason": "stop"}
        if provider == "openai":
            msg.update(refusal=None, annotations=[])
            choice["logprobs"] = None
            out.update(service_tier="default", system_fingerprint="fp_fake")
            usage.update(prompt_tokens_details={"cached_tokens": 0, "audio_tokens": 0},
                         completion_tokens_details={"reasoning_tokens": 0, "audio_tokens": 0,
                                                    "accepted_prediction_tokens": 0,
                                                    "rejected_prediction_tokens": 0})
        elif provider == "azure":
            msg.update(refusal=None)
            choice["content_filter_results"] = {k: {"filtered": False, "severity": "safe"}
                                                for k in ("hate", "self_harm", "sexual", "violence")}
            out["prompt_filter_results"] = [{"prompt_index": 0,
                                             "content_filter_results": choice["content_filter_results"]}]
            out["system_fingerprint"] = "fp_fake"
        elif provider == "ollama":
            msg["reasoning"] = "The customer liked tea. I could offer 20% off, but no offer is given."
            out["system_fingerprint"] = "fp_ollama"
        elif provider == "vllm":
            msg.update(reasoning_content="Maybe mention free shipping? No, it is not in the facts.",
                       tool_calls=[])
            choice.update(logprobs=None, stop_reason=None)
            out.update(prompt_logprobs=None)
            usage["prompt_tokens_details"] = None
        elif provider == "llamacpp":
            msg["reasoning_content"] = "A coupon SAVE20 would help. It is not allowed."
            out["system_fingerprint"] = "b4567-fake"
            out["timings"] = {"prompt_n": 120, "prompt_ms": 80.1, "prompt_per_token_ms": 0.67,
                              "prompt_per_second": 1498.1, "predicted_n": 60, "predicted_ms": 900.2,
                              "predicted_per_token_ms": 15.0, "predicted_per_second": 66.7}
        out["choices"] = [choice]
        return out

    def error(self, status, etype, code, message, headers=()):
        self.reply(status, {"error": {"message": message, "type": etype, "param": None, "code": code}},
                   headers)

    def do_GET(self):
        st = self.server.state
        if self.path != "/_reset":
            return self.error(404, "invalid_request_error", None, "no such path")
        with st.lock:
            st.counts.clear()
            if st.log is not None:
                st.log.truncate(0)
        return self.reply(200, {"reset": True})

    def do_POST(self):
        st = self.server.state
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n)
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw.decode("utf-8", "replace")
        mode = choose(st, body)
        if st.log is not None:
            line = json.dumps({"t": time.time(), "peer": self.client_address[0], "path": self.path, "mode": mode,
                               "auth": self.headers.get("Authorization"),
                               "api_key": self.headers.get("api-key"), "body": body})
            with st.lock:
                st.log.write(line + "\n")
                st.log.flush()
        if st.args.delay > 0:
            time.sleep(st.args.delay / 1000.0)
        if not isinstance(body, dict):
            return self.error(400, "invalid_request_error", None, "body is not JSON")
        name, _, arg = mode.partition(":")
        if name == "ok":
            return self.completion(body, json.dumps(OK_EMAIL))
        if name == "fenced":
            return self.completion(body, "```json\n" + json.dumps(OK_EMAIL, indent=1) + "\n```")
        if name == "discount":
            return self.completion(body, json.dumps(BAD_EMAIL))
        if name == "slow":
            time.sleep(float(arg or st.args.slow_ms) / 1000.0)
            return self.completion(body, json.dumps(OK_EMAIL))
        if name == "huge":
            obj = {"id": "fake", "object": "chat.completion", "model": body.get("model", "fake"),
                   "choices": [{"index": 0, "finish_reason": "stop",
                                "message": {"role": "assistant", "content": json.dumps(OK_EMAIL)}}],
                   "pad": "x" * (9 * 1024 * 1024)}
            try:
                return self.reply(200, obj)
            except (BrokenPipeError, ConnectionResetError):  # the client stops reading
                self.close_connection = True
                return None
        if name == "echokey":
            k = self.key()
            obj = self.shaped(body, "openai")
            obj.update(id="chatcmpl-" + k, model=k, system_fingerprint=k)
            obj["choices"][0]["message"]["content"] = self.email_with(k)
            return self.reply(200, obj)
        if name in ("echourl", "echosplit", "echojson"):
            k = self.key()
            if name == "echourl":
                text = "".join("%%%02X" % ord(c) if not c.isalnum() else c for c in k)
            elif name == "echosplit":
                text = " ".join(k[i:i + 9] for i in range(0, len(k), 9))
            else:
                text = "@@KEY@@"
            obj = self.shaped(body, "openai")
            obj["choices"][0]["message"]["content"] = self.email_with(text)
            raw = json.dumps(obj)
            if name == "echojson":  # every character of the key escaped in the body itself
                raw = raw.replace("@@KEY@@", "".join("\\u%04x" % ord(c) for c in k))
            return self.reply(200, raw.encode())
        if name == "errkey":
            return self.error(400, "Bearer " + self.key(), "Bearer " + self.key(), "bad")
        if name == "refusal":
            obj = self.shaped(body, "openai")
            obj["choices"][0]["message"].update(content=None,
                                                refusal="I'm sorry, I can't help with that request.")
            return self.reply(200, obj)
        if name in ("length", "lengthcut"):
            obj = self.shaped(body, "openai")
            obj["choices"][0]["finish_reason"] = "length"
            if name == "lengthcut":
                obj["choices"][0]["message"]["content"] = json.dumps(OK_EMAIL)[:60]
            return self.reply(200, obj)
        if name == "think":
            obj = self.shaped(body, "openai")
            obj["choices"][0]["message"]["content"] = (
                "<think>\nShe liked tea. A 20% discount with code SAVE20 would help, "
                "but the facts have no offer.\n</think>\n\n" + json.dumps(OK_EMAIL))
            return self.reply(200, obj)
        if name in ("openai", "azure", "ollama", "vllm", "llamacpp"):
            return self.reply(200, self.shaped(body, name))
        if name == "lowrem":
            return self.completion(body, json.dumps(OK_EMAIL), [
                ("x-ratelimit-remaining-requests", "0"), ("x-ratelimit-reset-requests", "1s"),
                ("x-ratelimit-remaining-tokens", "100000"), ("x-ratelimit-reset-tokens", "1s")])
        if name == "429":
            return self.error(429, "requests", "rate_limit_exceeded", "Rate limit reached",
                              [("Retry-After", arg or "1")])
        if name == "429date":
            when = email.utils.formatdate(time.time() + float(arg or "2"), usegmt=True)
            return self.error(429, "requests", "rate_limit_exceeded", "Rate limit reached",
                              [("Retry-After", when)])
        if name == "quota":
            return self.error(429, "insufficient_quota", "insufficient_quota",
                              "You exceeded your current quota, please check your plan and billing details.")
        if name == "500":
            return self.error(500, "server_error", None, "The server had an error")
        if name == "503":
            return self.error(503, "server_error", None, "Overloaded", [("Retry-After", "0")])
        if name == "400":
            return self.error(400, "invalid_request_error", None, "Unsupported parameter")
        if name == "401":
            got = self.headers.get("Authorization") or self.headers.get("api-key") or ""
            return self.error(401, "invalid_request_error", "invalid_api_key",
                              "Incorrect API key provided: " + got)
        if name == "404":
            return self.error(404, "invalid_request_error", "model_not_found",
                              "The model does not exist")
        if name == "badjson":
            return self.reply(200, b'{"choices": [ this is not json')
        if name == "truncated":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "5000")
            self.end_headers()
            self.wfile.write(b'{"choices":[{"message":')
            self.wfile.flush()
            self.close_connection = True
            return None
        if name == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return None
        if name == "never":
            time.sleep(3600)
            return None
        return self.error(500, "server_error", None, "fakellm: unknown mode " + mode)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--bind", default="127.0.0.1", help="address to listen on")
    ap.add_argument("--log")
    ap.add_argument("--mode", default="ok")
    ap.add_argument("--delay", type=float, default=0, help="ms before every answer")
    ap.add_argument("--slow-ms", type=float, default=1500)
    args = ap.parse_args()

    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer.request_queue_size = 1024
    srv = ThreadingHTTPServer((args.bind, 0), Handler)
    srv.state = State(args)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, args.port_file)
    try:
        srv.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
