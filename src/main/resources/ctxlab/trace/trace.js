// ctxlab trace page: renders the embedded trace (the same tree as `ctxlab trace --format json`).
// Position 0 is the start (nothing executed yet); position n shows step n: its source line,
// and the registers and memory as they are after it, with what it changed highlighted.
(function () {
  'use strict';
  const data = JSON.parse(document.getElementById('trace-data').textContent);
  const steps = data.steps;
  const total = steps.length;
  const $ = (id) => document.getElementById(id);
  let pos = 0;

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  // ---- values ------------------------------------------------------------------------------
  const big = (h) => BigInt(h);
  function pad(hex, bytes) {
    const digits = hex.replace(/^0x/, '');
    return '0x' + digits.padStart(bytes * 2, '0');
  }
  const WIDTH = { mxcsr: 4, fpcw: 2 };
  const regWidth = (name) => WIDTH[name] || 8;

  const symbols = new Map(data.symbols.map((s) => [big(s.address), s.name]));
  const regions = data.regions.map((r) => ({ name: r.name, kind: r.kind, base: big(r.base), end: big(r.base) + BigInt(r.size) }));
  function regionOf(addr, kind) {
    let best = null;
    for (const r of regions) {
      if ((!kind || r.kind === kind) && addr >= r.base && addr < r.end && (!best || r.end - r.base < best.end - best.base)) best = r;
    }
    return best;
  }
  // The nearest symbol at or below a code address: "cem_swapcontext+0x3a".
  function codeName(v) {
    const r = regionOf(v, 'code');
    let best = null;
    for (const [a, name] of symbols) {
      if (a <= v && (!r || a >= r.base) && (best === null || a > best[0])) best = [a, name];
    }
    if (!best) return null;
    return v === best[0] ? best[1] : best[1] + '+0x' + (v - best[0]).toString(16);
  }
  function note(hex) {
    const v = big(hex);
    if (v === 0n) return '';
    if (symbols.has(v)) return symbols.get(v);
    const r = regionOf(v);
    if (!r) return '';
    if (r.kind === 'code') return codeName(v) || r.name;
    if (r.kind === 'context' && v === r.base) return '→ ' + r.name;
    return '→ ' + r.name;
  }

  // ---- memory: the windows replayed up to a position -----------------------------------------
  const windows = data.memory.map((w) => ({ region: w.region, base: big(w.address), hex: w.bytes }));
  function bytesOf(hex) {
    const b = new Uint8Array(hex.length / 2);
    for (let i = 0; i < b.length; i++) b[i] = parseInt(hex.substr(2 * i, 2), 16);
    return b;
  }
  function memoryAt(p) {
    const mem = windows.map((w) => ({ region: w.region, base: w.base, bytes: bytesOf(w.hex) }));
    for (let i = 0; i < p; i++) {
      for (const w of steps[i].writes) {
        const a = big(w.address), v = big(w.value);
        for (let k = 0; k < Math.min(w.size, 8); k++) {
          const byte = Number((v >> BigInt(8 * k)) & 0xffn);
          for (const m of mem) {
            const off = a + BigInt(k) - m.base;
            if (off >= 0n && off < BigInt(m.bytes.length)) m.bytes[Number(off)] = byte;
          }
        }
      }
    }
    return mem;
  }
  function read(m, addr, size) {
    const off = Number(addr - m.base);
    let s = '';
    for (let k = size - 1; k >= 0; k--) s += m.bytes[off + k].toString(16).padStart(2, '0');
    return '0x' + s;
  }

  // ---- registers up to a position ------------------------------------------------------------
  const FLAG_BITS = { CF: 0, PF: 2, AF: 4, ZF: 6, SF: 7, TF: 8, IF: 9, DF: 10, OF: 11 };
  function registersAt(p) {
    const regs = Object.assign({}, data.registers);
    for (let i = 0; i < p; i++) {
      const s = steps[i];
      for (const r of s.registers) regs[r.name] = r.after;
      regs.rip = s.next;
      let fl = big(regs.rflags);
      for (const f of s.flags) {
        const bit = 1n << BigInt(FLAG_BITS[f.name]);
        fl = f.after ? (fl | bit) : (fl & ~bit);
      }
      regs.rflags = '0x' + fl.toString(16);
    }
    return regs;
  }

  // ---- source ---------------------------------------------------------------------------------
  const sourceViews = new Map();
  const executed = new Map();
  for (const s of steps) {
    if (!s.file) continue;
    if (!executed.has(s.file)) executed.set(s.file, new Set());
    executed.get(s.file).add(s.line);
  }
  function sourceView(file) {
    if (sourceViews.has(file)) return sourceViews.get(file);
    const src = data.sources.find((x) => x.file === file);
    const box = el('div', 'file');
    box.dataset.file = file;
    const lines = src ? src.text.split('\n') : [];
    const ran = executed.get(file) || new Set();
    lines.forEach((text, i) => {
      const row = el('div', 'src-line' + (ran.has(i + 1) ? ' executed' : ''));
      row.dataset.line = String(i + 1);
      row.appendChild(el('span', 'ln', String(i + 1)));
      const hash = text.search(/(#|\/\/)/);
      if (hash >= 0 && !/^\s*(#|\/\/|\/\*|\*)/.test(text.slice(0, hash) + 'x')) {
        row.appendChild(el('span', 'code', text.slice(0, hash)));
        row.appendChild(el('span', 'comment', text.slice(hash)));
      } else if (/^\s*(#|\/\/|\/\*|\*)/.test(text)) {
        row.appendChild(el('span', 'comment', text || ' '));
      } else {
        row.appendChild(el('span', 'code', text || ' '));
      }
      box.appendChild(row);
    });
    sourceViews.set(file, box);
    return box;
  }
  function showSource(p) {
    const focus = p > 0 ? steps[p - 1] : steps[0];
    const container = $('source');
    container.querySelectorAll('.current, .upcoming').forEach((e) => e.classList.remove('current', 'upcoming'));
    if (!focus || !focus.file) {
      $('source-file').textContent = focus ? '(no source for ' + focus.address + ')' : '';
      return;
    }
    const view = sourceView(focus.file);
    if (container.firstChild !== view) {
      container.textContent = '';
      container.appendChild(view);
    }
    $('source-file').textContent = focus.file;
    const row = view.querySelector('.src-line[data-line="' + focus.line + '"]');
    if (row) {
      row.classList.add(p > 0 ? 'current' : 'upcoming');
      const top = row.offsetTop - container.clientHeight / 2 + row.clientHeight / 2;
      container.scrollTop = Math.max(0, top);
    }
  }

  // ---- the step panel -------------------------------------------------------------------------
  function showStep(p) {
    const s = p > 0 ? steps[p - 1] : null;
    $('step-heading').textContent = s ? 'Step ' + p + ' of ' + total : 'Start: nothing has run yet';
    const ins = $('instruction');
    ins.textContent = '';
    const shown = s || steps[0];
    if (shown) {
      ins.appendChild(el('span', 'src', shown.source || '(no source)'));
      ins.appendChild(el('span', null, shown.address + '  ' + (shown.symbol || '') + '  ·  bytes ' +
        shown.bytes.replace(/(..)/g, '$1 ').trim() + (shown.location ? '  ·  ' + shown.location : '')));
    }
    const ex = $('explanation');
    ex.textContent = '';
    if (!s) {
      ex.appendChild(el('li', null, total ? 'The highlighted line runs first. Press → (or Next) to execute it.' : 'The trace has no steps.'));
      if (steps[0] && Object.keys(steps[0].bindings).length) {
        const b = steps[0].bindings;
        ex.appendChild(el('li', null, Object.keys(b).map((k) => k + ' = ' + b[k]).join(', ')));
      }
    } else {
      for (const e of s.explanation) ex.appendChild(el('li', null, e));
    }
    const fx = $('effects');
    fx.textContent = '';
    if (s && (s.writes.length || s.reads.length)) {
      const t = el('table');
      const h = el('tr');
      ['', 'where', 'address', 'size', 'value'].forEach((x) => h.appendChild(el('th', null, x)));
      t.appendChild(h);
      for (const [kind, list] of [['write', s.writes], ['read', s.reads]]) {
        for (const a of list) {
          const tr = el('tr');
          tr.appendChild(el('td', 'kind', kind));
          tr.appendChild(el('td', null, a.name || ''));
          tr.appendChild(el('td', null, a.address));
          tr.appendChild(el('td', null, String(a.size)));
          tr.appendChild(el('td', null, kind === 'write' ? pad(a.before, Math.min(a.size, 8)) + ' → ' + pad(a.value, Math.min(a.size, 8)) : pad(a.value, Math.min(a.size, 8))));
          t.appendChild(tr);
        }
      }
      fx.appendChild(t);
    }
    if (s && s.flags.length) fx.appendChild(el('div', 'mx', 'flags: ' + s.flags.map((f) => f.name + ' ' + f.before + '→' + f.after).join(', ')));
    if (s && s.mxcsr) {
      fx.appendChild(el('div', 'mx', 'MXCSR was ' + s.mxcsr.before.text));
      fx.appendChild(el('div', 'mx', 'MXCSR now ' + s.mxcsr.after.text));
    }
    const warn = $('warnings');
    warn.textContent = '';
    if (s) for (const w of s.warnings || []) warn.appendChild(el('li', null, w));
    // the verdict of a switch shows at its last step; the end box sums up every switch
    const verdict = $('verdict');
    verdict.className = 'end';
    verdict.textContent = '';
    const arrival = data.switches.find((a) => a.lastStep === p);
    if (arrival && p !== total) {
      verdict.className = 'end shown ' + (arrival.ok ? 'ok' : 'bad');
      verdict.appendChild(el('div', null, 'Switch ' + arrival.number + ' arrived ' + (arrival.ok ? 'right' : 'WRONG') + ': ' + arrival.save + ' → ' + arrival.restore));
      verdict.appendChild(checkList(arrival.checks, !arrival.ok));
    }
    const end = $('end');
    const good = (data.end.ok || data.end.expected) && data.end.verdict;
    end.className = 'end' + (p === total ? ' shown ' + (good ? 'ok' : 'bad') : '');
    end.textContent = '';
    end.appendChild(el('div', null, (good ? 'End: ' : data.end.ok ? 'End, but the switch is wrong: ' : 'Stopped: ') + data.end.message));
    if (p === total && data.switches.length) {
      const last = data.switches[data.switches.length - 1];
      const failed = data.switches.flatMap((a) => a.checks.filter((c) => !c.ok).map((c) => Object.assign({ number: a.number }, c)));
      if (failed.length) end.appendChild(checkList(failed, false));
      else if (data.switches.length === 1) end.appendChild(checkList(last.checks, false));
      else end.appendChild(el('div', null, 'every switch (' + data.switches.length + ') arrived right: ✓ every preserved register and slot'));
    }
  }
  function checkList(checks, failedOnly) {
    const ul = el('ul', 'checks');
    for (const c of checks) {
      if (failedOnly && c.ok) continue;
      const li = el('li', c.ok ? 'ok' : 'bad', (c.ok ? '✓ ' : '✗ ') + (c.number && data.switches.length > 1 ? 'switch ' + c.number + ': ' : '') + c.text);
      li.dataset.check = c.name;
      ul.appendChild(li);
    }
    return ul;
  }

  // ---- registers ------------------------------------------------------------------------------
  function showRegisters(p) {
    const regs = registersAt(p);
    const s = p > 0 ? steps[p - 1] : null;
    const changed = new Set(s ? s.registers.map((r) => r.name) : []);
    if (s && s.flags.length) changed.add('rflags');
    if (s && big(s.next) !== big(s.address) + BigInt(s.bytes.length / 2)) changed.add('rip');
    const t = $('registers');
    t.className = 'regs';
    t.textContent = '';
    for (const name of Object.keys(data.registers)) {
      const tr = el('tr');
      tr.dataset.reg = name;
      tr.appendChild(el('td', 'name', name));
      const v = el('td', 'value' + (changed.has(name) ? ' changed' : ''), pad(regs[name], regWidth(name)));
      v.dataset.reg = name;
      tr.appendChild(v);
      let n = '';
      if (name === 'mxcsr') n = mxcsrText(Number(big(regs[name])));
      else if (name === 'fpcw') n = fpcwText(Number(big(regs[name])));
      else if (name === 'rflags') n = flagsText(big(regs[name]));
      else if (name === 'rsp') { const r = regionOf(big(regs[name]), 'stack'); n = r ? 'in ' + r.name : ''; }
      else n = note(regs[name]);
      tr.appendChild(el('td', 'note', n));
      t.appendChild(tr);
    }
  }
  // The same words as the text and JSON (Mxcsr.maskText, Fpcw.brief in the Java code).
  const EXCEPTIONS = ['invalid', 'denormal', 'divide-by-zero', 'overflow', 'underflow', 'precision'];
  const ROUNDING = ['round to nearest', 'round down', 'round up', 'round toward zero'];
  function maskText(bits) {
    const m = EXCEPTIONS.filter((_, i) => bits & (1 << i));
    return m.length === 6 ? 'all exceptions masked' : m.length === 0 ? 'no exception masked' : 'masked: ' + m.join(', ');
  }
  function mxcsrText(v) {
    return ROUNDING[(v >> 13) & 3] + (v & 0x8000 ? ', FTZ' : '') + (v & 0x40 ? ', DAZ' : '') + ', ' + maskText((v >> 7) & 63);
  }
  function fpcwText(v) {
    const pc = ['single', 'reserved', 'double', 'extended'][(v >> 8) & 3];
    return pc + ' precision, ' + ROUNDING[(v >> 10) & 3] + ', ' + maskText(v & 63);
  }
  function flagsText(v) {
    return Object.keys(FLAG_BITS).filter((f) => f !== 'IF' && f !== 'TF' && (v >> BigInt(FLAG_BITS[f])) & 1n).join(' ');
  }

  // ---- contexts -------------------------------------------------------------------------------
  // The convention's slots (data.layout); bytes no slot covers show as "spare".
  const LAYOUT = data.layout;
  const SLOTS = LAYOUT.slots.map((x) => [x.name, x.offset, x.width]);
  (function spare() {
    let end = 0;
    for (const [, off, w] of SLOTS) end = Math.max(end, off + w);
    if (end < LAYOUT.size) SLOTS.push(['spare', end, LAYOUT.size - end]);
  })();
  const RSP_SLOT = LAYOUT.slots.find((x) => x.register === 'rsp');
  function touched(list, addr, size) {
    return list.some((a) => { const b = big(a.address); return b < addr + BigInt(size) && addr < b + BigInt(a.size); });
  }
  // A frame convention (Boost.Context) keeps no context structs: its frames are drawn on the stacks.
  const CONVENTION = data.convention || null;
  const FRAMES = data.frames || [];
  function liveFrames(p) {
    return FRAMES.filter((f) => f.from <= p && p <= f.to);
  }
  function frameSlot(addr, p) {
    const labels = [];
    // rows are 8-byte words: a narrower slot (Boost's x87cw at +0x4) is named on the word that holds it
    for (const f of liveFrames(p)) for (const x of f.slots) if ((big(x.address) & ~7n) === addr) labels.push(x.name);
    return labels;
  }
  function showContexts(p, mem) {
    const s = p > 0 ? steps[p - 1] : null;
    const bindings = (s || steps[0] || { bindings: {} }).bindings;
    const box = $('contexts');
    box.textContent = '';
    if (CONVENTION && CONVENTION.storage === 'frame') {
      const live = liveFrames(p);
      const div = el('div', 'ctx frames-note');
      div.appendChild(el('h3', null, CONVENTION.name + ': frames on the stacks'));
      div.appendChild(el('div', 'dim', 'A suspended context is a ' + LAYOUT.size + '-byte frame the switch builds at entry rsp' +
        (CONVENTION.frameAt < 0 ? '-0x' + (-CONVENTION.frameAt).toString(16) : '') + ' on its own stack; its address is the handle' +
        ' (rdi of the next switch to it). The stacks show each frame\'s slots where they lie.'));
      const ul = el('ul', 'frame-list');
      for (const f of live) ul.appendChild(el('li', null, f.name + ' at ' + f.base + (f.from > 0 ? ' (built at step ' + f.from + ')' : ' (made before step 1)')));
      if (!live.length) ul.appendChild(el('li', null, 'no suspended frame at this step'));
      div.appendChild(ul);
      box.appendChild(div);
    }
    for (const m of mem) {
      const r = regions.find((x) => x.kind === 'context' && x.name === m.region);
      if (!r) continue;
      const div = el('div', 'ctx');
      div.dataset.context = r.name;
      const h = el('h3', null, r.name);
      for (const alias of Object.keys(bindings)) {
        if (bindings[alias] === r.name) h.appendChild(el('span', 'badge ' + alias, alias));
      }
      h.appendChild(el('span', 'dim', '0x' + r.base.toString(16)));
      div.appendChild(h);
      const t = el('table', 'slots');
      for (const [slot, off, size] of SLOTS) {
        const addr = r.base + BigInt(off);
        const tr = el('tr');
        tr.dataset.slot = slot;
        tr.appendChild(el('td', 'off', '0x' + off.toString(16).padStart(2, '0')));
        tr.appendChild(el('td', 'slot', slot));
        const value = read(m, addr, size);
        let cls = 'value';
        if (s && touched(s.writes, addr, size)) cls += ' written';
        else if (s && touched(s.reads, addr, size)) cls += ' read';
        const td = el('td', cls, value);
        td.dataset.slot = slot;
        td.dataset.value = value;
        tr.appendChild(td);
        tr.appendChild(el('td', 'note', slot === 'mxcsr' ? mxcsrText(Number(big(value))) : slot === 'spare' ? '' : note(value)));
        t.appendChild(tr);
      }
      div.appendChild(t);
      box.appendChild(div);
    }
  }

  // ---- stacks ---------------------------------------------------------------------------------
  function showStacks(p, mem, regs) {
    const s = p > 0 ? steps[p - 1] : null;
    const rsp = big(regs.rsp);
    const saved = [];
    for (const m of mem) {
      const r = regions.find((x) => x.kind === 'context' && x.name === m.region);
      if (r && RSP_SLOT) saved.push({ name: r.name + '.rsp', value: big(read(m, r.base + BigInt(RSP_SLOT.offset), 8)) });
    }
    const box = $('stacks');
    box.textContent = '';
    for (const m of mem) {
      const r = regions.find((x) => x.kind === 'stack' && x.name === m.region);
      if (!r) continue;
      const active = rsp >= r.base && rsp < r.end;
      const div = el('div', 'stack' + (active ? ' active' : ''));
      div.dataset.stack = r.name;
      const h = el('h3', null, r.name);
      if (active) h.appendChild(el('span', 'badge active', 'rsp is here'));
      h.appendChild(el('span', 'dim', 'top 0x' + r.end.toString(16)));
      div.appendChild(h);
      const rows = el('div', 'rows');
      const t = el('table', 'slots');
      let rspRow = null;
      for (let off = m.bytes.length - 8; off >= 0; off -= 8) {
        const addr = m.base + BigInt(off);
        const tr = el('tr');
        tr.dataset.addr = '0x' + addr.toString(16);
        const marks = el('td', 'marker');
        if (active && addr === rsp) { marks.appendChild(el('span', null, 'rsp ▶')); tr.className = 'rsp'; rspRow = tr; }
        for (const sv of saved) if (sv.value === addr) marks.appendChild(el('div', 'saved', sv.name + ' ▶'));
        tr.appendChild(marks);
        tr.appendChild(el('td', 'addr', '0x' + addr.toString(16)));
        tr.appendChild(el('td', 'off', active ? rel(addr, rsp) : ''));
        const value = read(m, addr, 8);
        let cls = 'value';
        if (s && touched(s.writes, addr, 8)) cls += ' written';
        else if (s && touched(s.reads, addr, 8)) cls += ' read';
        tr.appendChild(el('td', cls, value));
        const inFrame = frameSlot(addr, p);
        if (inFrame.length) {
          tr.classList.add('frame');
          tr.dataset.frame = inFrame.join(', ');
        }
        const n = note(value);
        tr.appendChild(el('td', 'note', inFrame.length ? inFrame.join(', ') + (n ? ' · ' + n : '') : n));
        t.appendChild(tr);
      }
      rows.appendChild(t);
      div.appendChild(rows);
      box.appendChild(div);
      if (rspRow) rows.scrollTop = Math.max(0, rspRow.offsetTop - rows.clientHeight / 2);
      rows.addEventListener('scroll', drawArrows);
    }
  }
  function rel(addr, rsp) {
    const d = addr - rsp;
    return d === 0n ? 'rsp' : d > 0n ? 'rsp+' + d : 'rsp-' + (-d);
  }

  // ---- navigation -----------------------------------------------------------------------------
  function go(p) {
    pos = Math.max(0, Math.min(total, p));
    const mem = memoryAt(pos);
    const regs = registersAt(pos);
    $('step-number').textContent = String(pos);
    $('slider').value = String(pos);
    $('prev').disabled = $('first').disabled = pos === 0;
    $('next').disabled = $('last').disabled = pos === total;
    document.body.dataset.step = String(pos);
    showSource(pos);
    showStep(pos);
    showRegisters(pos);
    showContexts(pos, mem);
    showStacks(pos, mem, regs);
    showRunning(pos, regs);
    showTimeline(pos);
    drawArrows();
    if (history.replaceState) history.replaceState(null, '', '#step=' + pos);
  }

  // ---- who runs: "running: main", "running: main → strand" while the switch runs -------------------
  const short = (name) => (name || '?').replace(/ (context|stack|frame)$/, '');
  function switchAt(p) {
    const s = p > 0 ? steps[p - 1] : null;
    return s && s.switch ? data.switchStarts.find((x) => x.number === s.switch) : null;
  }
  function showRunning(p, regs) {
    const r = $('running');
    const sw = switchAt(p);
    // the step that leaves the routine has arrived: the other side runs from the next one
    const arrived = sw && data.switches.some((a) => a.number === sw.number && a.lastStep === p);
    if (sw && !arrived) {
      r.className = 'running switching';
      r.textContent = 'running: ' + short(sw.save) + ' → ' + short(sw.restore) + ' (switch ' + sw.number + ')';
      r.dataset.from = short(sw.save);
      r.dataset.to = short(sw.restore);
    } else {
      const st = regionOf(big(regs.rsp), 'stack');
      r.className = 'running';
      r.textContent = 'running: ' + (st ? short(st.name) : 'rsp outside every stack');
      delete r.dataset.from;
      delete r.dataset.to;
    }
  }

  // ---- the scenario's switches as a timeline; n / p jump along it, #switch=N opens one -----------
  const timeline = $('timeline');
  const switchButtons = data.switchStarts.map((x) => {
    const b = el('button', null, x.number + ': ' + short(x.save) + ' → ' + short(x.restore));
    b.dataset.switch = String(x.number);
    b.title = 'switch ' + x.number + ' starts at step ' + x.step + ' (n / p)';
    const a = data.switches.find((v) => v.number === x.number);
    if (a && !a.ok) b.classList.add('bad');
    b.addEventListener('click', () => go(x.step));
    timeline.appendChild(b);
    return b;
  });
  if (switchButtons.length) timeline.insertBefore(el('span', null, 'switches:'), timeline.firstChild);
  function showTimeline(p) {
    const sw = switchAt(p);
    let current = sw ? sw.number : 0;
    if (!sw) for (const x of data.switchStarts) if (x.step <= p) current = x.number;
    for (const b of switchButtons) b.classList.toggle('current', Number(b.dataset.switch) === current);
    timeline.dataset.current = String(current);
  }
  function jumpSwitch(dir) {
    const starts = data.switchStarts.map((x) => x.step);
    if (!starts.length) return pos + dir;
    if (dir > 0) { const n = starts.find((st) => st > pos); return n === undefined ? total : n; }
    const before = starts.filter((st) => st < pos);
    return before.length ? before[before.length - 1] : 0;
  }

  // ---- arrows from rsp and from each context's rsp slot to the stack slot they point at ----------
  const svg = $('arrows');
  function drawArrows() {
    svg.querySelectorAll('path.arrow').forEach((e) => e.remove()); // bodies and heads
    const main = document.querySelector('main');
    const base = main.getBoundingClientRect();
    const sources = [];
    const rspCell = document.querySelector('#registers td.value[data-reg="rsp"]');
    if (rspCell) sources.push({ from: 'rsp', cell: rspCell, value: rspCell.textContent, cls: '' });
    if (RSP_SLOT) {
      document.querySelectorAll('.ctx').forEach((c) => {
        const cell = c.querySelector('td.value[data-slot="' + RSP_SLOT.name + '"]');
        if (cell) sources.push({ from: c.dataset.context + '.' + RSP_SLOT.name, cell, value: cell.dataset.value, cls: ' saved' });
      });
    }
    for (const src of sources) {
      const addr = '0x' + big(src.value).toString(16);
      const row = document.querySelector('.stack tr[data-addr="' + addr + '"]');
      if (!row) continue;
      const a = src.cell.getBoundingClientRect();
      const rows = row.closest('.rows').getBoundingClientRect();
      const b = row.getBoundingClientRect();
      // a row scrolled out of its box: the arrow ends at the box's edge
      const ty = Math.min(Math.max(b.top + b.height / 2, rows.top + 4), rows.bottom - 4);
      // from the right edge of the context box (or the register table), clear of the notes
      const edge = src.cell.closest('.ctx, table').getBoundingClientRect().right;
      const x1 = edge - base.left, y1 = a.top + a.height / 2 - base.top;
      const x2 = b.left - base.left + 2, y2 = ty - base.top;
      const bend = Math.max(40, Math.abs(x2 - x1) / 2);
      const path = document.createElementNS(svg.namespaceURI, 'path');
      path.setAttribute('class', 'arrow' + src.cls);
      path.setAttribute('d', 'M ' + x1 + ' ' + y1 + ' C ' + (x1 + bend) + ' ' + y1 + ', ' + (x2 - bend) + ' ' + y2 + ', ' + x2 + ' ' + y2);
      path.dataset.from = src.from;
      path.dataset.to = addr;
      svg.appendChild(path);
      // the head: the curve arrives horizontally, so a triangle pointing right
      const head = document.createElementNS(svg.namespaceURI, 'path');
      head.setAttribute('class', 'arrow head' + src.cls);
      head.setAttribute('d', 'M ' + x2 + ' ' + y2 + ' L ' + (x2 - 9) + ' ' + (y2 - 5) + ' L ' + (x2 - 9) + ' ' + (y2 + 5) + ' Z');
      svg.appendChild(head);
    }
  }
  window.addEventListener('resize', drawArrows);

  $('trace-title').textContent = data.title;
  $('layout-note').textContent = CONVENTION ? '(' + CONVENTION.name + ': ' + CONVENTION.description + ')'
    : '(' + LAYOUT.name + ', ' + LAYOUT.size + ' bytes each: ' + LAYOUT.slots.map((x) => x.name).join(', ') + ')';
  $('step-total').textContent = String(total);
  $('slider').max = String(total);
  $('slider').addEventListener('input', (e) => go(Number(e.target.value)));
  $('first').addEventListener('click', () => go(0));
  $('prev').addEventListener('click', () => go(pos - 1));
  $('next').addEventListener('click', () => go(pos + 1));
  $('last').addEventListener('click', () => go(total));
  document.addEventListener('keydown', (e) => {
    if (e.target && e.target.tagName === 'INPUT' && e.target.type !== 'range') return;
    let to = null;
    if (e.key === 'ArrowRight' || e.key === 'ArrowDown' || e.key === 'j') to = pos + 1;
    else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp' || e.key === 'k') to = pos - 1;
    else if (e.key === 'n') to = jumpSwitch(1);
    else if (e.key === 'p') to = jumpSwitch(-1);
    else if (e.key === 'Home') to = 0;
    else if (e.key === 'End') to = total;
    if (to === null) return;
    e.preventDefault();
    go(to);
  });
  const m = /step=(\d+)/.exec(location.hash);
  const sw = /switch=(\d+)/.exec(location.hash);
  const opened = sw ? data.switchStarts.find((x) => x.number === Number(sw[1])) : null;
  go(opened ? opened.step : m ? Number(m[1]) : 0);
  window.addEventListener('hashchange', () => {
    const h = /switch=(\d+)/.exec(location.hash);
    const x = h ? data.switchStarts.find((v) => v.number === Number(h[1])) : null;
    if (x) go(x.step);
  });
  window.traceReady = true;
})();
