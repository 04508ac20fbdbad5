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
  const WIDTH = { mxcsr: 4 };
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
    const end = $('end');
    end.className = 'end' + (p === total ? ' shown ' + (data.end.ok ? 'ok' : 'bad') : '');
    end.textContent = (data.end.ok ? 'End: ' : 'Stopped: ') + data.end.message;
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
      else if (name === 'rflags') n = flagsText(big(regs[name]));
      else if (name === 'rsp') { const r = regionOf(big(regs[name]), 'stack'); n = r ? 'in ' + r.name : ''; }
      else n = note(regs[name]);
      tr.appendChild(el('td', 'note', n));
      t.appendChild(tr);
    }
  }
  function mxcsrText(v) {
    const rc = ['to nearest', 'down', 'up', 'toward zero'][(v >> 13) & 3];
    return 'round ' + rc + (v & 0x8000 ? ', FTZ' : '') + (v & 0x40 ? ', DAZ' : '') + (((v >> 7) & 63) === 63 ? ', all masked' : ', some unmasked');
  }
  function flagsText(v) {
    return Object.keys(FLAG_BITS).filter((f) => f !== 'IF' && f !== 'TF' && (v >> BigInt(FLAG_BITS[f])) & 1n).join(' ');
  }

  // ---- contexts -------------------------------------------------------------------------------
  const SLOTS = [['rbx', 0, 8], ['rbp', 8, 8], ['r12', 16, 8], ['r13', 24, 8], ['r14', 32, 8], ['r15', 40, 8], ['rsp', 48, 8], ['mxcsr', 56, 4], ['spare', 60, 4]];
  function touched(list, addr, size) {
    return list.some((a) => { const b = big(a.address); return b < addr + BigInt(size) && addr < b + BigInt(a.size); });
  }
  function showContexts(p, mem) {
    const s = p > 0 ? steps[p - 1] : null;
    const bindings = (s || steps[0] || { bindings: {} }).bindings;
    const box = $('contexts');
    box.textContent = '';
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
      if (r) saved.push({ name: r.name + '.rsp', value: big(read(m, r.base + 48n, 8)) });
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
        tr.appendChild(el('td', 'note', note(value)));
        t.appendChild(tr);
      }
      rows.appendChild(t);
      div.appendChild(rows);
      box.appendChild(div);
      if (rspRow) requestAnimationFrame(() => { rows.scrollTop = Math.max(0, rspRow.offsetTop - rows.clientHeight / 2); });
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
    if (history.replaceState) history.replaceState(null, '', '#step=' + pos);
  }

  $('trace-title').textContent = data.title;
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
    if (e.key === 'ArrowRight' || e.key === 'ArrowDown' || e.key === 'n' || e.key === 'j') to = pos + 1;
    else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp' || e.key === 'p' || e.key === 'k') to = pos - 1;
    else if (e.key === 'Home') to = 0;
    else if (e.key === 'End') to = total;
    if (to === null) return;
    e.preventDefault();
    go(to);
  });
  const m = /step=(\d+)/.exec(location.hash);
  go(m ? Number(m[1]) : 0);
  window.traceReady = true;
})();
