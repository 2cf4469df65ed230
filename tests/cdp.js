// tests/cdp.js - drives headless Chromium over the DevTools protocol for trackd.bats:
// opens URL, saves a screenshot, clicks the element with id CLICK, prints the DOM after.
// usage: node --experimental-websocket tests/cdp.js URL SHOT.png CLICK > dom.html
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const [url, shot, clickId] = process.argv.slice(2);
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'cdp-'));
const chrome = spawn('chromium', ['--headless', '--no-sandbox', '--disable-gpu',
	'--disable-background-networking', '--remote-debugging-port=0', '--user-data-dir=' + profile,
	'--window-size=800,600', 'about:blank'], { stdio: ['ignore', 'ignore', 'pipe'] });
const fail = (msg) => { console.error('cdp.js: ' + msg); chrome.kill(); process.exit(1); };
setTimeout(() => fail('timed out'), 60000).unref();

let err = '';
chrome.stderr.on('data', (d) => {
	err += d;
	const m = err.match(/DevTools listening on (ws:\/\/\S+)/);
	if (m && !chrome.started) {
		chrome.started = true;
		run(m[1]).then(() => { chrome.kill(); process.exit(0); }, (e) => fail(String(e)));
	}
});

async function run(wsUrl) {
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
	const loaded = (sessionId) => new Promise((ok) => listeners.push(function f(msg) {
		if (msg.sessionId === sessionId && msg.method === 'Page.loadEventFired') {
			listeners.splice(listeners.indexOf(f), 1);
			ok();
		}
	}));
	const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
	const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
	await send('Page.enable', {}, sessionId);
	let load = loaded(sessionId);
	await send('Page.navigate', { url }, sessionId);
	await load;
	const png = await send('Page.captureScreenshot', { format: 'png' }, sessionId);
	fs.writeFileSync(shot, Buffer.from(png.data, 'base64'));
	load = loaded(sessionId);
	const r = await send('Runtime.evaluate', { expression:
		`(() => { const b = document.getElementById(${JSON.stringify(clickId)});
		  if (!b) return false; b.click(); return true; })()` }, sessionId);
	if (!r.result.value)
		throw new Error('no element with id ' + clickId);
	await load;
	const dom = await send('Runtime.evaluate',
		{ expression: 'document.documentElement.outerHTML' }, sessionId);
	process.stdout.write(dom.result.value + '\n');
}
