// `pycore report -o crash.html` in a real browser: Debian's chromium driven by puppeteer-core,
// offline. The page must render the summary, the threads with their locals, the treemap and the
// leak suspects, show hostile strings from the core as text (never as markup or terminal
// escapes), and make no request at all. .ci/run installs chromium when the machine lacks it.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { h } from '../src/reports/html-report.js';
import { pycore } from './helpers/cli.js';
import { corpusCores, SYSROOT } from './helpers/corpus.js';

const CHROMIUM = '/usr/bin/chromium';
const hostile = corpusCores().find((c) => c.name === '3.12-hostile')!;
const retained = corpusCores().find((c) => c.name === '3.12-retained')!;

describe('html escaping', () => {
  it('escapes markup and shows terminal escapes as text', () => {
    expect(h('<script>alert("x")</script>&')).toBe('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;&#38;');
    expect(h('\x1b]0;pwned\x07')).not.toMatch(/[\x00-\x1f]/);
  });
});

describe('treemap tooltips (3.12-retained)', () => {
  it('each rectangle says the bytes and objects of its cell in the JSON, and the cells count the whole heap', () => {
    const r = pycore(['report', retained.core, '--sysroot', SYSROOT, '-o', '-']);
    expect(r.code).toBe(0);
    const j = JSON.parse(pycore(['heap', retained.core, '--sysroot', SYSROOT, '--dominators', '--top', '1', '--format', 'json']).stdout) as {
      summary: { heapBytes: number; reachable: number };
      retained_by_type: { module: string; type: string; bytes: number; objects: number; estimated_bytes: number }[];
    };
    const num = (x: string) => Number(x.replace(/,/g, ''));
    const unescape = (x: string) => x.replace(/&#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c)));
    const title = /<title>([^<]*): ([\d,]+) bytes retained by ([\d,]+) objects(?: \(\+([\d,]+) bytes estimated\))?<\/title>/;
    const svg = r.stdout.slice(r.stdout.indexOf('<svg id="treemap-svg"'), r.stdout.indexOf('</svg>'));
    const cells = [...svg.matchAll(new RegExp(`<rect class="cell"[^>]*>${title.source}`, 'g'))].map((m) => ({ name: unescape(m[1]), bytes: num(m[2]), objects: num(m[3]), estimated: m[4] ? num(m[4]) : 0 }));
    const modules = [...svg.matchAll(new RegExp(`<g class="module"><rect[^>]*>${title.source}`, 'g'))].map((m) => ({ name: m[1], bytes: num(m[2]), objects: num(m[3]) }));
    expect(cells.length).toBeGreaterThan(3);
    for (const c of cells.filter((x) => !/ other types$/.test(x.name))) {
      const want = j.retained_by_type.find((x) => `${x.module}.${x.type}` === c.name)!;
      expect([c.name, c.bytes, c.objects, c.estimated]).toEqual([c.name, want.bytes, want.objects, want.estimated_bytes]);
    }
    // Cells and modules each partition what the roots reach.
    for (const rects of [cells, modules]) {
      expect(rects.reduce((a, c) => a + c.bytes, 0)).toBe(j.summary.heapBytes);
      expect(rects.reduce((a, c) => a + c.objects, 0)).toBe(j.summary.reachable);
    }
    // CPython's sum for the cache (a root): inside the dict cell.
    const truth = (retained.truth as unknown as { snapshot: { extra: { retained: { cache: { retained_bytes: number } } } } }).snapshot.extra.retained;
    expect(cells.find((c) => c.name === 'builtins.dict')!.bytes).toBeGreaterThanOrEqual(truth.cache.retained_bytes);
  }, 120_000);
});

describe.skipIf(!existsSync(CHROMIUM))('pycore report in chromium', () => {
  let dir: string;
  let browser: Browser;
  const requests: string[] = [];
  const errors: string[] = [];

  async function open(file: string): Promise<Page> {
    const page = await browser.newPage();
    await page.setRequestInterception(true);
    const url = `file://${file}`;
    page.on('request', (r) => {
      if (r.url() !== url) requests.push(r.url());
      if (r.url() === url) void r.continue();
      else void r.abort();
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(url, { waitUntil: 'load' });
    return page;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pycore-report-'));
    for (const c of [hostile, retained]) {
      const r = pycore(['report', c.core, '--sysroot', SYSROOT, '-o', join(dir, `${c.name}.html`)]);
      if (r.code !== 0) throw new Error(`pycore report ${c.name}: ${r.stderr}`);
    }
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('renders the hostile core: summary, threads with escaped names, no injected markup, no request', async () => {
    const file = join(dir, '3.12-hostile.html');
    const page = await open(file);
    const summary = await page.$eval('#summary + table', (t) => (t as HTMLElement).innerText);
    expect(summary).toContain('SIGSEGV');
    expect(summary).toContain(hostile.truth.python!.version);
    const frames = await page.$$eval('#threads .frame', (fs) => fs.map((f) => (f as HTMLElement).innerText));
    const truthFrames = hostile.truth.threads[0].frames;
    expect(frames.length).toBeGreaterThanOrEqual(truthFrames.length);
    const body = await page.evaluate(() => document.body.innerText);
    // The raw names carry ESC and BEL: the page shows them escaped, as text.
    expect(body).not.toMatch(/[\x07\x1b]/);
    expect(body).toContain('tgt\\x1b]0;pwned\\x07');
    expect(await page.$$eval('script', (s) => s.length)).toBe(1);
    // Locals are collapsible: opening every frame shows the hostile local's escaped value.
    await page.click('#expand-all');
    const opened = await page.$$eval('#threads details', (ds) => ds.filter((d) => (d as HTMLDetailsElement).open).length);
    expect(opened).toBeGreaterThan(0);
    expect(await page.evaluate(() => document.body.innerText)).toContain('evil_local');
    // The original file holds no raw control character either.
    expect(readFileSync(file, 'utf8')).not.toMatch(/[\x00-\x08\x0b\x0c\x0e-\x1f]/);
    await page.close();
    expect(requests).toEqual([]);
    expect(errors).toEqual([]);
  }, 60_000);

  it('renders the retained core: census, treemap cells, dominators and the cache as a leak suspect', async () => {
    const page = await open(join(dir, '3.12-retained.html'));
    const truth = (retained.truth as unknown as { snapshot: { extra: { retained: { cache: { id: number } } } } }).snapshot.extra.retained;
    const cache = `0x${truth.cache.id.toString(16)}`;
    const cells = await page.$$eval('#treemap-svg rect.cell', (rs) => rs.map((r) => r.getBoundingClientRect()).filter((b) => b.width > 0 && b.height > 0).length);
    expect(cells).toBeGreaterThan(3);
    expect(await page.$eval('#census + p + table', (t) => (t as HTMLTableElement).rows.length)).toBeGreaterThan(5);
    const dominators = await page.evaluate(() => document.querySelector('#dominators + table')!.textContent);
    expect(dominators).toContain(cache);
    const suspects = await page.evaluate(() => {
      const out: string[] = [];
      for (let e = document.getElementById('leak-suspects')!.nextElementSibling; e; e = e.nextElementSibling) out.push(e.textContent ?? '');
      return out.join('\n');
    });
    expect(suspects).toContain(cache);
    expect(suspects).toContain('bytearray');
    await page.close();
    expect(requests).toEqual([]);
    expect(errors).toEqual([]);
  }, 60_000);
});
