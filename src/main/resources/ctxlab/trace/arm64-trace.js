// ctxlab trace page, AArch64: renders the embedded trace (the tree of `ctxlab trace --arch arm64
// --format json`, plus the initial registers, contexts and sources). Position 0 is the start
// (nothing executed yet); position n shows step n: its source line, and the registers and the
// two contexts as they are after it, with what it changed highlighted.
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
  const big = (h) => BigInt(h);
  const hex = (v) => '0x' + v.toString(16);
  const pad = (v) => '0x' + v.toString(16).padStart(16, '0');

  // ---- registers and memory at a position ----------------------------------------------------
  function registersAt(p) {
    const regs = {};
    for (const n of data.registerNames) regs[n] = big(data.initial[n]);
    for (let i = 0; i < p; i++) {
      for (const [n, c] of Object.entries(steps[i].registers)) regs[n] = big(c.after);
    }
    return regs;
  }
  const contexts = data.contexts.map((c) => ({ name: c.name, base: big(c.address), hex: c.bytes, where: c.where }));
  function contextBytes(p) {
    const out = contexts.map((c) => {
      const b = [];
      for (let i = 0; i < c.hex.length; i += 2) b.push(parseInt(c.hex.substr(i, 2), 16));
      return { name: c.name, base: c.base, bytes: b, where: c.where };
    });
    for (let i = 0; i < p; i++) {
      for (const w of steps[i].writes) {
        const a = big(w.address);
        let v = big(w.value);
        for (let k = 0; k < w.size; k++) {
          for (const c of out) {
            const off = a + BigInt(k) - c.base;
            if (off >= 0n && off < BigInt(c.bytes.length)) c.bytes[Number(off)] = Number(v & 0xffn);
          }
          v >>= 8n;
        }
      }
    }
    return out;
  }
  function read64(bytes, off) {
    let v = 0n;
    for (let k = 7; k >= 0; k--) v = (v << 8n) | BigInt(bytes[off + k]);
    return v;
  }
  const stacks = Object.entries(data.stacks).map(([name, range]) => {
    const [lo, hi] = range.split('-').map(big);
    return { name: name === 'main' ? "main's stack" : "the strand's stack", lo, hi };
  });
  function note(v) {
    const m = data.marks[hex(v)];
    if (m) return m;
    for (const s of stacks) if (v >= s.lo && v <= s.hi) return '→ ' + s.name;
    return '';
  }

  // ---- source ------------------------------------------------------------------------------
  let shownFile = null;
  function renderSource(step) {
    const file = step ? step.file : (steps.length ? steps[0].file : null);
    const box = $('source');
    if (file !== shownFile) {
      shownFile = file;
      box.textContent = '';
      $('source-file').textContent = file || '';
      const text = file && data.sources[file];
      if (!text) {
        box.appendChild(el('div', 'dim', file ? 'no source for ' + file + ' (an ELF file: see each step\'s instruction)' : ''));
      } else {
        text.split('\n').forEach((line, i) => {
          const row = el('div', 'src-line');
          row.dataset.line = String(i + 1);
          row.appendChild(el('span', 'ln', String(i + 1)));
          const c = line.indexOf('//');
          if (c >= 0) {
            row.appendChild(el('span', null, line.substring(0, c)));
            row.appendChild(el('span', 'comment', line.substring(c)));
          } else {
            row.appendChild(el('span', null, line));
          }
          box.appendChild(row);
        });
      }
    }
    const executed = new Set();
    for (let i = 0; i < pos; i++) if (steps[i].file === file) executed.add(steps[i].lineNumber);
    let current = null;
    for (const row of box.querySelectorAll('.src-line')) {
      const n = Number(row.dataset.line);
      row.classList.toggle('executed', executed.has(n));
      const isCurrent = step && step.lineNumber === n;
      row.classList.toggle('current', !!isCurrent);
      if (isCurrent) current = row;
    }
    if (current) box.scrollTop = Math.max(0, current.offsetTop - box.clientHeight / 2);
  }

  // ---- panels ------------------------------------------------------------------------------
  function renderStep(step) {
    $('step-heading').textContent = step ? 'Step ' + step.step + ': ' + step.line : 'Start: main calls ' + data.symbol;
    const ins = $('instruction');
    ins.textContent = '';
    if (step) {
      ins.appendChild(el('span', 'src', step.text));
      ins.appendChild(el('span', 'dim', 'pc ' + step.pc));
    } else {
      ins.appendChild(el('span', 'src', 'bl ' + data.symbol));
      ins.appendChild(el('span', 'dim', data.start || ('x0 = save ' + data.initial.x0 + ', x1 = restore ' + data.initial.x1 + ', lr = ' + data.initial.x30)));
    }
    const ex = $('explanation');
    ex.textContent = '';
    if (step && step.explanation) for (const part of step.explanation.split('; ')) ex.appendChild(el('li', null, part));
    const fx = $('effects');
    fx.textContent = '';
    if (step && (step.writes.length || Object.keys(step.registers).length)) {
      const t = el('table');
      const head = el('tr');
      for (const h of ['', 'what', 'before', 'after']) head.appendChild(el('th', null, h));
      t.appendChild(head);
      for (const w of step.writes) {
        const tr = el('tr');
        tr.appendChild(el('td', 'kind', 'write'));
        tr.appendChild(el('td', null, w.name));
        tr.appendChild(el('td', null, ''));
        tr.appendChild(el('td', null, w.value + ' (' + w.size + ' bytes)'));
        t.appendChild(tr);
      }
      for (const [n, c] of Object.entries(step.registers)) {
        const tr = el('tr');
        tr.appendChild(el('td', 'kind', 'register'));
        tr.appendChild(el('td', null, n));
        tr.appendChild(el('td', null, c.before));
        tr.appendChild(el('td', null, c.after));
        t.appendChild(tr);
      }
      fx.appendChild(t);
    }
    const end = $('end');
    end.className = 'end';
    end.textContent = '';
    if (pos === total) {
      end.className = 'end shown ' + (data.arrived ? 'ok' : 'bad');
      end.textContent = (data.arrived ? '' : 'FAULT: ') + data.end;
    }
  }

  function renderRegisters(regs, step) {
    const t = $('registers');
    t.textContent = '';
    t.className = 'regs';
    const changed = new Set(step ? Object.keys(step.registers) : []);
    const rows = data.registerNames.slice();
    rows.push('pc');
    for (const n of rows) {
      const tr = el('tr');
      tr.appendChild(el('td', 'name', n));
      const v = n === 'pc' ? big(step ? step.pc : data.initial.pc) : regs[n];
      const cell = el('td', 'value' + (changed.has(n) ? ' changed' : ''), pad(v));
      cell.dataset.reg = n;
      tr.appendChild(cell);
      tr.appendChild(el('td', 'note', n === 'pc' ? (step ? 'this step' : data.symbol) : n === 'sp' ? spNote(v) : note(v)));
      t.appendChild(tr);
    }
  }
  function spNote(v) {
    for (const s of stacks) if (v >= s.lo && v <= s.hi) return 'in ' + s.name + ' (' + (v % 16n === 0n ? '16-aligned' : 'NOT 16-aligned') + ')';
    return '';
  }

  function renderContexts(step) {
    const box = $('contexts');
    box.textContent = '';
    $('layout-note').textContent = data.layoutNote || '(Cem\'s 176-byte AArch64 context: x19–x30, sp, d8–d15, fpcr)';
    const written = new Set();
    if (step) for (const w of step.writes) written.add(w.name.replace(/\+\d+$/, ''));
    for (const c of contextBytes(pos)) {
      const div = el('div', 'ctx');
      div.dataset.context = c.name;
      const h = el('h3', null, c.name + ' ');
      h.appendChild(el('span', 'badge' + (c.name === 'restore' ? ' restore' : ''), hex(c.base)));
      div.appendChild(h);
      if (c.where) div.appendChild(el('p', 'note frame-where', c.where));
      const t = el('table', 'slots');
      for (const s of data.slots) {
        const tr = el('tr');
        tr.appendChild(el('td', 'off', '+0x' + s.offset.toString(16)));
        tr.appendChild(el('td', 'slot', s.name));
        const v = read64(c.bytes, s.offset);
        // a write names its slot (Cem's "save.x19"), or lands in it (a convention's frames, wherever they lie)
        const hit = step && step.writes.some((w) => {
          const off = big(w.address) - c.base - BigInt(s.offset);
          return off > -BigInt(w.size) && off < 8n;
        });
        const cell = el('td', 'value' + (written.has(c.name + '.' + s.name) || (data.switches && hit) ? ' written' : ''), pad(v));
        cell.dataset.slot = s.name;
        tr.appendChild(cell);
        tr.appendChild(el('td', 'note', note(v)));
        t.appendChild(tr);
      }
      div.appendChild(t);
      box.appendChild(div);
    }
    // a convention trace: both arrivals judged over what the convention declares (shown from the last step)
    if (data.switches && pos === total) {
      for (const sw of data.switches) {
        const v = el('div', 'verdict');
        v.dataset.switch = String(sw.number);
        v.appendChild(el('h3', null, 'switch ' + sw.number + ' (' + sw.from + ' → ' + sw.to + ')' + (sw.arrived ? ' arrived' : ' did not arrive')));
        for (const ch of sw.checks) v.appendChild(el('div', ch.ok ? 'check ok' : 'check wrong', (ch.ok ? '✓ ' : '✗ ') + ch.text));
        box.appendChild(v);
      }
    }
  }

  function renderStacks(regs, step) {
    const box = $('stacks');
    box.textContent = '';
    const sp = regs.sp;
    for (const s of stacks) {
      const active = sp >= s.lo && sp <= s.hi;
      const div = el('div', 'stack' + (active ? ' active' : ''));
      div.dataset.stack = s.name;
      const h = el('h3', null, s.name + ' ');
      h.appendChild(el('span', 'badge', hex(s.lo) + '–' + hex(s.hi)));
      if (active) h.appendChild(el('span', 'badge active', 'sp is here'));
      div.appendChild(h);
      const t = el('table', 'slots');
      const tr = el('tr', active ? 'rsp' : null);
      tr.appendChild(el('td', 'marker', active ? 'sp ▶' : ''));
      tr.appendChild(el('td', 'value', active ? pad(sp) : 'not in use'));
      tr.appendChild(el('td', 'note', active ? (sp % 16n === 0n ? 'sp ≡ 0 (mod 16), as AAPCS64 requires' : 'sp NOT 16-byte aligned') : ''));
      t.appendChild(tr);
      // stores into this stack so far (a Cem switch makes none: it keeps everything in the contexts)
      for (let i = 0; i < pos; i++) {
        for (const w of steps[i].writes) {
          const a = big(w.address);
          if (a >= s.lo && a < s.hi) {
            const r = el('tr');
            r.appendChild(el('td', 'marker', 'step ' + steps[i].step));
            r.appendChild(el('td', 'value' + (i === pos - 1 ? ' written' : ''), w.value));
            r.appendChild(el('td', 'note', w.name));
            t.appendChild(r);
          }
        }
      }
      div.appendChild(t);
      box.appendChild(div);
    }
    const running = $('running');
    const st = stacks.find((s) => sp >= s.lo && sp <= s.hi);
    running.textContent = 'running: ' + (st ? 'on ' + st.name : 'sp outside both stacks');
    running.className = 'running' + (step && step.text.startsWith('mov') && Object.keys(step.registers).includes('sp') ? ' switching' : '');
  }

  function render() {
    const step = pos > 0 ? steps[pos - 1] : null;
    const regs = registersAt(pos);
    $('step-number').textContent = String(pos);
    $('step-total').textContent = String(total);
    $('slider').value = String(pos);
    $('first').disabled = $('prev').disabled = pos === 0;
    $('last').disabled = $('next').disabled = pos === total;
    renderStep(step);
    renderSource(step);
    renderRegisters(regs, step);
    renderContexts(step);
    renderStacks(regs, step);
  }

  function go(p) {
    pos = Math.max(0, Math.min(total, p));
    render();
  }
  $('trace-title').textContent = data.title;
  $('slider').max = String(total);
  $('slider').addEventListener('input', (e) => go(Number(e.target.value)));
  $('first').addEventListener('click', () => go(0));
  $('prev').addEventListener('click', () => go(pos - 1));
  $('next').addEventListener('click', () => go(pos + 1));
  $('last').addEventListener('click', () => go(total));
  document.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowRight') go(pos + 1);
    else if (e.key === 'ArrowLeft') go(pos - 1);
    else if (e.key === 'Home') go(0);
    else if (e.key === 'End') go(total);
    else return;
    e.preventDefault();
  });
  go(0);
  window.traceReady = true;
})();
