// tests/cdp-session.js - starts headless Chromium and hands a DevTools protocol session to a
// test script (tests/cdp.js, tests/report-cdp.js): send(method, params, sessionId) returns the
// result; listeners receive every event. Exits 0 when the script's promise resolves, 1 when it
// rejects or after 90 s.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

module.exports = function chromium(name, windowSize, script) {
	const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'cdp-'));
	const chrome = spawn('chromium', ['--headless', '--no-sandbox', '--disable-gpu',
		'--disable-background-networking', '--disable-component-update', '--disable-sync',
		'--no-first-run', '--remote-debugging-port=0', '--user-data-dir=' + profile,
		'--window-size=' + windowSize, 'about:blank'], { stdio: ['ignore', 'ignore', 'pipe'] });
	const fail = (msg) => { console.error(name + ': ' + msg); chrome.kill(); process.exit(1); };
	setTimeout(() => fail('timed out'), 90000).unref();
	let err = '';
	chrome.stderr.on('data', (d) => {
		err += d;
		const m = err.match(/DevTools listening on (ws:\/\/\S+)/);
		if (m && !chrome.started) {
			chrome.started = true;
			connect(m[1]).then(script).then(() => { chrome.kill(); process.exit(0); },
				(e) => fail(String(e)));
		}
	});
};

async function connect(wsUrl) {
	const ws = new WebSocket(wsUrl);
	await new Promise((ok, no) => { ws.onopen = ok; ws.onerror = no; });
	let id = 0;
	const waiting = new Map(), listeners = [];
	ws.onmessage = (m) => {
		const msg = JSON.parse(m.data);
		if (msg.id && waiting.has(msg.id)) {
			const w = waiting.get(msg.id);
			waiting.delete(msg.id);
			msg.error ? w.no(new Error(JSON.stringify(msg.error))) : w.ok(msg.result);
		} else {
			listeners.forEach((f) => f(msg));
		}
	};
	const send = (method, params = {}, sessionId) => new Promise((ok, no) => {
		waiting.set(++id, { ok, no });
		ws.send(JSON.stringify({ id, method, params, sessionId }));
	});
	// resolves at the next load event of sessionId's page
	const loaded = (sessionId) => new Promise((ok) => listeners.push(function f(msg) {
		if (msg.sessionId === sessionId && msg.method === 'Page.loadEventFired') {
			listeners.splice(listeners.indexOf(f), 1);
			ok();
		}
	}));
	return { send, listeners, loaded };
}
