// tests/cdp.js - drives headless Chromium over the DevTools protocol for trackd.bats:
// opens URL, saves a screenshot, clicks the element with id CLICK, prints the DOM after.
// usage: node --experimental-websocket tests/cdp.js URL SHOT.png CLICK > dom.html
'use strict';
const fs = require('fs');

const [url, shot, clickId] = process.argv.slice(2);
require('./cdp-session.js')('cdp.js', '800,600', async ({ send, loaded }) => {
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
});
