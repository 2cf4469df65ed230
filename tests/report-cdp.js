// tests/report-cdp.js - opens a report.html in headless Chromium over the DevTools protocol for
// runreport.bats: saves a full-page screenshot, records every network request, and prints what
// the page shows as one JSON object (figures by their data- names, the frames and what rendered
// in them, the requests).
// usage: node --experimental-websocket tests/report-cdp.js FILE_URL SHOT.png > page.json
'use strict';
const fs = require('fs');

const [url, shot] = process.argv.slice(2);

// What the page shows, read in the page (no script of the page's own: it has none).
const READ = `(() => {
	const txt = (e) => e ? e.textContent.trim() : null;
	const num = (e) => e ? Number(txt(e).replace(/[^0-9.\\-]/g, '')) : null;
	const out = { campaign: txt(document.getElementById('campaign')),
		messages: num(document.getElementById('messages')), stages: {}, rejects: {}, checks: {},
		arms: {}, samples: [], warnings: [], llm: {}, mde: [], scripts: document.scripts.length };
	for (const tr of document.querySelectorAll('tr[data-stage]')) {
		const s = {};
		for (const td of tr.querySelectorAll('td[data-k]')) s[td.dataset.k] = num(td);
		out.stages[tr.dataset.stage] = s;
	}
	for (const tr of document.querySelectorAll('tr[data-rejects]'))
		out.rejects[tr.dataset.rejects + ':' + tr.dataset.reason] = num(tr.querySelector('[data-k=count]'));
	for (const tr of document.querySelectorAll('tr[data-check]'))
		out.checks[tr.dataset.check] = { pass: num(tr.querySelector('[data-k=pass]')),
			of: num(tr.querySelector('[data-k=of]')), verdict: txt(tr.lastElementChild) };
	for (const tr of document.querySelectorAll('#arms tr[data-arm]'))
		out.arms[tr.dataset.arm] = { assigned: num(tr.querySelector('[data-k=assigned]')),
			messages: num(tr.querySelector('[data-k=messages]')) };
	for (const s of document.querySelectorAll('div.sample'))
		out.samples.push({ arm: s.dataset.arm, lang: s.dataset.lang, reasons: s.dataset.reasons,
			file: s.dataset.file, subject: txt(s.querySelector('.subject')),
			text: txt(s.querySelector('pre.text')), sandbox: s.querySelector('iframe').getAttribute('sandbox') });
	for (const li of document.querySelectorAll('#warnings + ul li')) out.warnings.push(txt(li));
	for (const td of document.querySelectorAll('#llm-table td[data-k]')) out.llm[td.dataset.k] = txt(td);
	out.guard_refusals = num(document.querySelector('[data-k=guard_refusals]'));
	out.refusal_rows = document.querySelectorAll('tr.refusal').length;
	for (const tr of document.querySelectorAll('#mde tr[data-rate]'))
		out.mde.push({ a: tr.dataset.a, b: tr.dataset.b, rate: tr.dataset.rate,
			mde: Number(tr.querySelector('[data-k=mde]').dataset.mde) });
	const sm = document.querySelector('[data-k=spam_median]');
	out.spam = sm ? { median: num(sm), max: num(document.querySelector('[data-k=spam_max]')),
		messages: num(document.querySelector('[data-k=spam_messages]')) } : null;
	return JSON.stringify(out);
})()`;

require('./cdp-session.js')('report-cdp.js', '1300,1000', async ({ send, listeners, loaded }) => {
	const requests = new Map();
	listeners.push((msg) => {
		if (msg.method === 'Network.requestWillBeSent')
			requests.set(msg.params.requestId, { url: msg.params.request.url, blocked: null, response: false });
		else if (msg.method === 'Network.loadingFailed' && requests.has(msg.params.requestId))
			requests.get(msg.params.requestId).blocked = msg.params.blockedReason || msg.params.errorText;
		else if (msg.method === 'Network.responseReceived' && requests.has(msg.params.requestId))
			requests.get(msg.params.requestId).response = true;
	});
	// sandboxed frames may run out of process: attach to each, watch its requests, read it
	const children = [];
	listeners.push((msg) => {
		if (msg.method === 'Target.attachedToTarget') {
			const child = msg.params.sessionId;
			children.push({ sessionId: child, type: msg.params.targetInfo.type });
			send('Network.enable', {}, child)
				.then(() => send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: true,
					flatten: true }, child))
				.then(() => send('Runtime.runIfWaitingForDebugger', {}, child))
				.catch(() => {});
		}
	});
	const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
	const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
	await send('Page.enable', {}, sessionId);
	await send('Network.enable', {}, sessionId);
	await send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: true, flatten: true },
		sessionId);
	const load = loaded(sessionId);
	await send('Page.navigate', { url }, sessionId);
	await load;
	await new Promise((ok) => setTimeout(ok, 1000));
	const png = await send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true },
		sessionId);
	fs.writeFileSync(shot, Buffer.from(png.data, 'base64'));
	const r = await send('Runtime.evaluate', { expression: READ }, sessionId);
	const page = JSON.parse(r.result.value);
	// what rendered in every frame: in-process frames through the DOM, out-of-process ones
	// through their own session
	const FRAME = `JSON.stringify({ rendered: !!document.body, text: document.body ?
		document.body.innerText.replace(/\\s+/g, ' ').trim().slice(0, 400) : '' })`;
	const frames = [];
	const { root } = await send('DOM.getDocument', { depth: -1, pierce: true }, sessionId);
	const textOf = (n) => (n.nodeType === 3 ? n.nodeValue : '') + (n.children || []).map(textOf).join('');
	const walk = (n) => {
		if (n.nodeName === 'IFRAME' && n.contentDocument) {
			const html = (n.contentDocument.children || []).find((c) => c.nodeName === 'HTML');
			const body = html && (html.children || []).find((c) => c.nodeName === 'BODY');
			frames.push({ rendered: !!body, text: body ? textOf(body).replace(/\s+/g, ' ').trim().slice(0, 400) : '' });
		}
		(n.children || []).forEach(walk);
		if (n.contentDocument) walk(n.contentDocument);
	};
	walk(root);
	for (const c of children.filter((c) => c.type === 'iframe')) {
		const v = await send('Runtime.evaluate', { expression: FRAME }, c.sessionId);
		frames.push(JSON.parse(v.result.value));
	}
	page.frames = frames;
	page.iframes = page.samples.length;
	page.requests = [...requests.values()];
	process.stdout.write(JSON.stringify(page) + '\n');
});
