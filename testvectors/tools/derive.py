#!/usr/bin/env python3
"""How the corpus was made: writes every vector of testvectors/ with its expect block computed
from the routine's documented semantics, NOT from the emulator.

    python3 testvectors/tools/derive.py testvectors

The model: a byte-level memory with mappings and protections, and cem_swapcontext as its 17
steps (save rbx, rbp, r12-r15, rsp into *save in slot order, stmxcsr, load the same from
*restore, ldmxcsr, ret), each checking its access and faulting precisely (state as before the
faulting instruction, pc = that instruction). The strand bodies that the seed runs execute
(simple_strand, chain_strand) are modelled by hand, instruction by instruction, from
asm/strands/*.s. Unicorn agreed with every value; `ctxlab vectors --record` reproduces every
file byte for byte. Not used by the build or the tests: the JSON files are the corpus.

Symbol offsets of the strand files (return addresses after their calls) were read from
`ctxlab assemble` listings; they are written symbol-relative, so only the offsets matter."""
import json, os, sys, copy

OUT = sys.argv[1] if len(sys.argv) > 1 else 'testvectors'
M64 = (1 << 64) - 1
PAGE = 0x1000

def h(v):
    return '0x%x' % v

# ------------------------------------------------------------------ JSON in JsonStyle's layout

def dump(node, ind=0):
    pad = '  ' * ind
    if isinstance(node, dict):
        if not node:
            return '{}'
        items = []
        for k, v in node.items():
            items.append('  ' * (ind + 1) + json.dumps(k, ensure_ascii=False) + ': ' + dump(v, ind + 1))
        return '{\n' + ',\n'.join(items) + '\n' + pad + '}'
    if isinstance(node, list):
        if all(not isinstance(x, (dict, list)) for x in node):
            return '[' + ', '.join(dump(x) for x in node) + ']'
        return '[\n' + ',\n'.join('  ' * (ind + 1) + dump(x, ind + 1) for x in node) + '\n' + pad + ']'
    return json.dumps(node, ensure_ascii=False)

# ------------------------------------------------------------------ the model

class Fault(Exception):
    def __init__(self, kind, address, pc):
        self.kind, self.address, self.pc = kind, address, pc

SLOTS = ['rbx', 'rbp', 'r12', 'r13', 'r14', 'r15', 'rsp']       # 8 bytes each at 0x00..0x30
SAVE_PCS = [0x00, 0x03, 0x07, 0x0b, 0x0f, 0x13, 0x17]          # movq %reg, off(%rdi)
STMXCSR_PC = 0x1b
LOAD_PCS = [0x1f, 0x22, 0x26, 0x2a, 0x2e, 0x32, 0x36]          # movq off(%rsi), %reg
LDMXCSR_PC = 0x3a
RET_PC = 0x3e
GPRS = ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15']

class Mem:
    """Regions: name -> dict(base, size, prot, data bytearray)."""
    def __init__(self):
        self.regions = {}

    def add(self, name, base, size, prot='rw'):
        self.regions[name] = dict(base=base, size=size, prot=prot, data=bytearray(size))

    def region_at(self, a):
        for n, r in self.regions.items():
            if r['base'] <= a < r['base'] + r['size']:
                return n, r
        return None, None

    def check(self, a, n, kind, pc):
        # Every byte must be mapped with the right permission; the fault is at the first byte
        # that is not (x86 reports the faulting linear address).
        for i in range(n):
            _, r = self.region_at(a + i)
            if r is None:
                raise Fault({'r': 'unmapped-read', 'w': 'unmapped-write', 'x': 'unmapped-fetch'}[kind], a + i if i else a, pc)
            if kind not in r['prot']:
                raise Fault({'r': 'read-protected', 'w': 'write-protected', 'x': 'fetch-protected'}[kind], a + i if i else a, pc)

    def read(self, a, n, pc=None):
        if pc is not None:
            self.check(a, n, 'r', pc)
        v = 0
        for i in range(n):
            _, r = self.region_at(a + i)
            v |= r['data'][a + i - r['base']] << (8 * i)
        return v

    partial_split_stores = False

    def write(self, a, n, v, pc=None):
        if pc is not None:
            try:
                self.check(a, n, 'w', pc)
            except Fault as f:
                # Unicorn 2.0 (QEMU) commits the part of a page-crossing store that lies on the
                # mapped page before it faults; hardware commits nothing. Modelled only where a
                # vector pins that behaviour.
                if self.partial_split_stores and f.address != a:
                    for i in range(f.address - a):
                        _, r = self.region_at(a + i)
                        r['data'][a + i - r['base']] = (v >> (8 * i)) & 0xff
                raise
        for i in range(n):
            _, r = self.region_at(a + i)
            r['data'][a + i - r['base']] = (v >> (8 * i)) & 0xff

    def readable(self, a, n):
        return all(self.region_at(a + i)[1] is not None for i in range(n))

def swap(regs, mem, code, count):
    """One cem_swapcontext from regs['rip'] == code['cem_swapcontext']. Mutates regs/mem.
    count: list with one int, the instructions executed so far (budget is checked by caller)."""
    base = code['cem_swapcontext']
    save, restore = regs['rdi'], regs['rsi']
    def step(pc):
        count[0] += 1
        if count[0] > code['budget']:
            count[0] -= 1
            raise Fault('budget-exhausted', code['last'], base + pc)
        code['last'] = base + pc
        regs['rip'] = base + pc
    for i, s in enumerate(SLOTS):
        step(SAVE_PCS[i])
        mem.write(save + 8 * i, 8, regs[s], base + SAVE_PCS[i])
    step(STMXCSR_PC)
    mem.write(save + 0x38, 4, regs['mxcsr'], base + STMXCSR_PC)
    for i, s in enumerate(SLOTS):
        step(LOAD_PCS[i])
        regs[s] = mem.read(restore + 8 * i, 8, base + LOAD_PCS[i])
    step(LDMXCSR_PC)
    regs['mxcsr'] = mem.read(restore + 0x38, 4, base + LDMXCSR_PC)
    step(RET_PC)
    target = mem.read(regs['rsp'], 8, base + RET_PC)
    regs['rsp'] = (regs['rsp'] + 8) & M64
    regs['rip'] = target

# ------------------------------------------------------------------ vector building

ADDR = {
    'save': 0x100000000000,
    'restore': 0x100000010000,
    'caller_stack': 0x100000020000,
    'restore_stack': 0x100000030000,
}
# What a context holds before anything is saved into it: distinct per slot and never a value the
# vectors save, so that a missing or misplaced store of any value (0 included) shows.
STALE = dict(rbx=0xeeeeeeeeeeeeee00, rbp=0xeeeeeeeeeeeeee08, r12=0xeeeeeeeeeeeeee10, r13=0xeeeeeeeeeeeeee18,
             r14=0xeeeeeeeeeeeeee20, r15=0xeeeeeeeeeeeeee28, rsp=0xeeeeeeeeeeeeee30, mxcsr=0xeeee0038, spare=0xeeee003c)
CALLER_RET = 0x1f0000000100     # in the running strand's code: pushed by its call, never executed here
RESUME = 0x1f0000000200         # in the resumed strand's code: where its own call would return
ENTRY_RSP_OFF = 0xfc8           # 8 mod 16, as at any function entry
RESTORE_RSP_OFF = 0xf78

SAVED = dict(rbx=0x1010101010101010, rbp=0x1111111111111111, r12=0x1212121212121212,
             r13=0x1313131313131313, r14=0x1414141414141414, r15=0x1515151515151515)
RESTORED = dict(rbx=0xa0a0a0a0a0a0a0a0, rbp=0xa1a1a1a1a1a1a1a1, r12=0xa2a2a2a2a2a2a2a2,
                r13=0xa3a3a3a3a3a3a3a3, r14=0xa4a4a4a4a4a4a4a4, r15=0xa5a5a5a5a5a5a5a5)
SCRATCH = dict(rax=0xcccccccccccc0000, rcx=0xcccccccccccc0001, rdx=0xcccccccccccc0002,
               r8=0xcccccccccccc0008, r9=0xcccccccccccc0009, r10=0xcccccccccccc000a, r11=0xcccccccccccc000b)

class V:
    """A vector under construction: regions with their initial content, registers, call."""
    def __init__(self, name, desc, folder):
        self.name, self.desc, self.folder = name, desc, folder
        self.regions = {}   # name -> dict(base,size,prot, contexts{off: {slot: val}}, qwords{off: val}, dwords{off: val})
        self.args = []
        self.until = None
        self.budget = None
        self.asm = []
        self.call_symbol = None

    def region(self, name, base, size=PAGE, prot='rw'):
        self.regions[name] = dict(base=base, size=size, prot=prot, contexts={}, qwords={}, dwords={})
        return self

    def context(self, region, off, **slots):
        self.regions[region]['contexts'][off] = dict(slots)

    def qword(self, region, off, v):
        self.regions[region]['qwords'][off] = v

    def dword(self, region, off, v):
        self.regions[region]['dwords'][off] = v

    # -- values: ints are data; ('region', off) and ('sym', off) are addresses written by name
    def val(self, v):
        if isinstance(v, tuple):
            n, off = v
            return n if off == 0 else '%s+0x%x' % (n, off)
        return h(v)

    def addr(self, v):
        """Numeric value of a value (symbols at a notional code base, consistent within the model)."""
        if isinstance(v, tuple):
            n, off = v
            if n in self.regions:
                return self.regions[n]['base'] + off
            return SYMBOLS[n] + off
        return v

    def name_of(self, a):
        """How to write a number that is an address: by region (end inclusive) or symbol."""
        for n, r in self.regions.items():
            if r['base'] <= a <= r['base'] + r['size']:
                return (n, a - r['base'])
        best = None
        for s, sa in SYMBOLS.items():
            if sa <= a < CODE_END and (best is None or sa > SYMBOLS[best]):
                best = s
        if best is not None and a < CODE_END:
            return (best, a - SYMBOLS[best])
        return a

    def memory(self):
        mem = Mem()
        for n, r in self.regions.items():
            mem.add(n, r['base'], r['size'], r['prot'] if r['prot'] != 'none' else '')
            for off, slots in r['contexts'].items():
                for s, v in slots.items():
                    if s == 'mxcsr':
                        mem.write(r['base'] + off + 0x38, 4, v)
                    elif s == 'spare':
                        mem.write(r['base'] + off + 0x3c, 4, v)
                    else:
                        mem.write(r['base'] + off + 8 * SLOTS.index(s), 8, self.addr(v))
            for off, v in r['qwords'].items():
                mem.write(r['base'] + off, 8, self.addr(v))
            for off, v in r['dwords'].items():
                mem.write(r['base'] + off, 4, v)
        return mem

    def json_before(self):
        mem = {}
        for n, r in self.regions.items():
            o = {'base': h(r['base']), 'size': h(r['size']), 'prot': r['prot']}
            if r['contexts']:
                o['contexts'] = {h(off): {s: (h(v) if s in ('mxcsr', 'spare') else self.val(v)) for s, v in slots.items()}
                                 for off, slots in sorted(r['contexts'].items())}
            if r['qwords']:
                o['qwords'] = {h(off): self.val(v) for off, v in sorted(r['qwords'].items())}
            if r['dwords']:
                o['dwords'] = {h(off): h(v) for off, v in sorted(r['dwords'].items())}
            mem[n] = o
        return mem

def regs_json(v, regs, order, skip=()):
    out = {}
    for r in order:
        if r in skip:
            continue
        x = regs[r]
        if r in ('rflags', 'mxcsr', 'fpcw'):
            out[r] = h(x)
        else:
            out[r] = v.val(v.name_of(x)) if isinstance(x, int) and looks_like_address(v, x) else v.val(x)
    return out

def looks_like_address(v, x):
    n = v.name_of(x)
    return isinstance(n, tuple)

SYMBOLS = {}
CODE_END = 0

def set_code(asm):
    """Notional symbol addresses: only differences matter, and every code address in a vector is
    written as symbol+offset, so the model's base need not be the runner's."""
    global SYMBOLS, CODE_END
    SYMBOLS = {'cem_swapcontext': 0x400000}
    CODE_END = 0x400000 + 0x3f
    base = 0x400000 + 0x3f
    for f in asm:
        for s, (off, end) in STRAND_SYMBOLS[f].items():
            SYMBOLS[s] = base + off
        CODE_END = base + max(e for _, e in STRAND_SYMBOLS[f].values())
        base = CODE_END

# Offsets of the strand files' symbols from the file's start (each file assembles after the
# 63-byte routine); (offset of symbol, end of file) — from `ctxlab assemble` listings.
STRAND_SYMBOLS = {
    'asm/strands/simple.s': {'simple_main': (0x00, 0x200), 'simple_strand': (0xbe, 0x200)},
    'asm/strands/pingpong.s': {'pingpong_main': (0x00, 0x200), 'pingpong_strand': (0xaf, 0x200)},
    'asm/strands/chain.s': {'chain_main': (0x00, 0x200), 'chain_strand': (0xac, 0x200)},
    'asm/strands/stack.s': {'stack_main': (0x00, 0x200), 'stack_strand': (0x8d, 0x200)},
    'asm/strands/fp.s': {'fp_main': (0x00, 0x200), 'fp_strand': (0x8f, 0x200)},
}

def finish(v, regs0, mem, fault, regs, count):
    """Builds the JSON of a vector from its initial state and the model's final state."""
    doc = {'$schema': '../vector.schema.json', 'name': v.name, 'description': v.desc}
    if v.asm:
        doc['asm'] = v.asm
    doc['memory'] = v.json_before()
    nargs = len(v.args)
    argregs = ['rdi', 'rsi', 'rdx', 'rcx', 'r8', 'r9'][:nargs]
    doc['registers'] = regs_json(v, regs0, GPRS + ['rflags', 'mxcsr', 'fpcw'], skip=argregs)
    call = {}
    if v.call_symbol:
        call['symbol'] = v.call_symbol
    call['args'] = [v.val(a) for a in v.args]
    if v.until is not None:
        call['until'] = v.until if isinstance(v.until, str) else v.val(v.until)
    if v.budget is not None:
        call['budget'] = v.budget
    doc['call'] = call
    exp = {}
    if fault:
        exp['fault'] = fault.kind
        exp['address'] = v.val(v.name_of(fault.address))
        exp['pc'] = v.val(v.name_of(fault.pc))
    exp['registers'] = regs_json(v, regs, GPRS + ['rip', 'rflags', 'mxcsr', 'fpcw'])
    # Memory after: every context of the vector, slot by slot, and every other changed qword.
    before = v.memory()
    memx = {}
    for n, r in v.regions.items():
        o = {}
        covered = set()
        ctxs = {}
        for off in sorted(r['contexts']):
            slots = {}
            for i, s in enumerate(SLOTS):
                if off + 8 * i + 8 <= r['size']:
                    val = mem.read(r['base'] + off + 8 * i, 8)
                    slots[s] = v.val(v.name_of(val)) if looks_like_address(v, val) else h(val)
                    covered.update(range(off + 8 * i, off + 8 * i + 8))
            for s, o4 in (('mxcsr', 0x38), ('spare', 0x3c)):
                if off + o4 + 4 <= r['size']:
                    slots[s] = h(mem.read(r['base'] + off + o4, 4))
                    covered.update(range(off + o4, off + o4 + 4))
            ctxs[h(off)] = slots
        if ctxs:
            o['contexts'] = ctxs
        q = {}
        for c in range(0, r['size'], 8):
            changed = [k for k in range(c, c + 8) if k not in covered and
                       mem.regions[n]['data'][k] != before.regions[n]['data'][k]]
            if changed:
                assert not any(k in covered for k in range(c, c + 8)), (v.name, n, c)
                val = mem.read(r['base'] + c, 8)
                q[h(c)] = v.val(v.name_of(val)) if looks_like_address(v, val) else h(val)
        if q:
            o['qwords'] = q
        if o:
            memx[n] = o
    exp['memory'] = memx
    if not fault:
        exp['instructions'] = count
    doc['expect'] = exp
    path = os.path.join(OUT, v.folder, v.name + '.json')
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write(dump(doc) + '\n')
    return doc

def run(v, regs0, body=None):
    """Runs the model: one swap (or `body`, a hand model of a small scenario) from regs0."""
    set_code(v.asm)
    mem = v.memory()
    mem.partial_split_stores = getattr(v, 'partial_split_stores', False)
    regs = dict(regs0)
    # numeric values for registers given by name
    for k in list(regs):
        regs[k] = v.addr(regs[k])
    for i, a in enumerate(v.args):
        regs[['rdi', 'rsi', 'rdx', 'rcx', 'r8', 'r9'][i]] = v.addr(a)
    regs0n = dict(regs)
    # stop address
    until = v.until
    if until is None:
        until = '[restore.rsp]' if v.call_symbol is None else '[rsp]'
    if until == '[restore.rsp]':
        p = regs['rsi'] + 0x30
        stop = mem.read(mem.read(p, 8), 8) if mem.readable(p, 8) and mem.readable(mem.read(p, 8), 8) else None
    elif until == '[rsp]':
        stop = mem.read(regs['rsp'], 8) if mem.readable(regs['rsp'], 8) else None
    elif until == 'none':
        stop = None
    else:
        stop = v.addr(until)
    code = dict(SYMBOLS)
    code['budget'] = v.budget if v.budget is not None else 10000
    code['last'] = 0
    count = [0]
    fault = None
    regs['rip'] = SYMBOLS['cem_swapcontext']
    try:
        if body:
            body(regs, mem, code, count)
        else:
            swap(regs, mem, code, count)
        if regs['rip'] != stop:
            # the next fetch: the stop address is never fetched; anything else is
            pc = regs['rip']
            _, r = mem.region_at(pc)
            if r is None and not (SYMBOLS['cem_swapcontext'] <= pc < CODE_END):
                raise Fault('unmapped-fetch', pc, pc)
            if r is not None and 'x' not in r['prot']:
                raise Fault('fetch-protected', pc, pc)
            raise AssertionError('model cannot run code at %x' % pc)
    except Fault as f:
        fault = f
        regs['rip'] = f.pc
    return finish(v, regs0n, mem, fault, regs, count[0])

# ------------------------------------------------------------------ the standard single switch

def standard(name, desc, folder, *, saved=SAVED, restored=RESTORED, mxcsr_in=0x1f80, mxcsr_ctx=0x1f80,
             fpcw=0x037f, rflags=0x246, tweak=None):
    """save/restore contexts on pages of their own, the running strand's stack and the resumed
    strand's stack on theirs; the return addresses point into code that is not mapped (never run)."""
    v = V(name, desc, folder)
    v.call_symbol = None
    v.region('save', ADDR['save']).region('restore', ADDR['restore'])
    v.region('caller_stack', ADDR['caller_stack']).region('restore_stack', ADDR['restore_stack'])
    v.context('save', 0, **STALE)
    v.context('restore', 0, **restored, rsp=('restore_stack', RESTORE_RSP_OFF), mxcsr=mxcsr_ctx, spare=0)
    v.qword('caller_stack', ENTRY_RSP_OFF, CALLER_RET)
    v.qword('restore_stack', RESTORE_RSP_OFF, RESUME)
    v.args = [('save', 0), ('restore', 0)]
    regs = dict(SCRATCH)
    regs.update(saved)
    regs['rsp'] = ('caller_stack', ENTRY_RSP_OFF)
    regs.update(rflags=rflags, mxcsr=mxcsr_in, fpcw=fpcw)
    if tweak:
        tweak(v, regs)
    return v, regs

def emit(name, desc, folder, **kw):
    v, regs = standard(name, desc, folder, **kw)
    return run(v, regs)

# ------------------------------------------------------------------ corpus

def corpus():
    # ---- MXCSR: every rounding mode, FTZ, DAZ, masks, flags: saved exactly and restored exactly
    modes = [('nearest', 0x1f80), ('down', 0x3f80), ('up', 0x5f80), ('toward-zero', 0x7f80)]
    for i, (mode, val) in enumerate(modes):
        nxt_mode, nxt = modes[(i + 1) % 4]
        emit('mxcsr-rc-' + mode, 'MXCSR rounding control %s (RC=%d, %s) is saved into save.mxcsr exactly, and the resumed '
             'strand gets its own mode back (%s, %s): rounding mode is per strand.' % (mode, (val >> 13) & 3, h(val), nxt_mode, h(nxt)),
             'mxcsr', mxcsr_in=val, mxcsr_ctx=nxt)
    emit('mxcsr-ftz-on-saved', 'Flush-to-zero (bit 15) on in the running strand: saved as 0x9f80; the resumed strand has '
         'it off (0x1f80) and must get it off.', 'mxcsr', mxcsr_in=0x9f80, mxcsr_ctx=0x1f80)
    emit('mxcsr-ftz-on-restored', 'Flush-to-zero off while running (0x1f80 saved), on in the resumed strand: ldmxcsr '
         'turns it on (0x9f80).', 'mxcsr', mxcsr_in=0x1f80, mxcsr_ctx=0x9f80)
    emit('mxcsr-daz-on-saved', 'Denormals-are-zero (bit 6) on in the running strand: saved as 0x1fc0; the resumed '
         'strand gets it off (0x1f80).', 'mxcsr', mxcsr_in=0x1fc0, mxcsr_ctx=0x1f80)
    emit('mxcsr-daz-on-restored', 'Denormals-are-zero off while running, on in the resumed strand (0x1fc0).',
         'mxcsr', mxcsr_in=0x1f80, mxcsr_ctx=0x1fc0)
    emit('mxcsr-masks-clear-saved', 'All six exception masks clear (0x0000: every SSE exception unmasked) in the '
         'running strand: saved as is, and the resumed strand gets its masks back (0x1f80).', 'mxcsr',
         mxcsr_in=0x0000, mxcsr_ctx=0x1f80)
    emit('mxcsr-masks-clear-restored', 'The resumed strand runs with every exception unmasked (0x0000): ldmxcsr loads '
         'it exactly.', 'mxcsr', mxcsr_in=0x1f80, mxcsr_ctx=0x0000)
    emit('mxcsr-sticky-flags-saved', 'All six sticky exception flags set (IE DE ZE OE UE PE, 0x1fbf) in the running '
         'strand: saved exactly; they do not leak into the resumed strand (0x1f80).', 'mxcsr',
         mxcsr_in=0x1fbf, mxcsr_ctx=0x1f80)
    emit('mxcsr-sticky-flags-restored', 'The resumed strand had all sticky flags set (0x1fbf): it gets them back, '
         'the running strand\'s clear flags are saved (0x1f80).', 'mxcsr', mxcsr_in=0x1f80, mxcsr_ctx=0x1fbf)
    emit('mxcsr-unmasked-pending-flags', 'Flags set and all exceptions unmasked (0x003f): ldmxcsr does not trap '
         '(SSE exceptions are raised by arithmetic, not by loading MXCSR); the switch completes with MXCSR 0x003f.',
         'mxcsr', mxcsr_in=0x1f80, mxcsr_ctx=0x003f)
    emit('mxcsr-every-bit', 'Every defined MXCSR bit set (0xffff: FTZ, RC toward zero, all masks, DAZ, all flags) is '
         'saved exactly; the resumed strand gets every bit clear (0x0000).', 'mxcsr', mxcsr_in=0xffff, mxcsr_ctx=0x0000)
    emit('mxcsr-every-bit-restored', 'The reverse: all bits clear while running, every defined bit (0xffff) in the '
         'resumed strand.', 'mxcsr', mxcsr_in=0x0000, mxcsr_ctx=0xffff)

    # ---- x87 control word: not part of the context
    emit('fpcw-not-switched', 'The x87 control word is not in the context: the running strand\'s 0x077f (round down) '
         'stays in effect for the resumed strand. The psABI calls it callee-saved; this routine documents that it '
         'does not switch it (strands must not change it).', 'fpcw', fpcw=0x077f)
    emit('fpcw-precision-not-switched', 'x87 precision control 53-bit (0x027f) set by the running strand is what the '
         'resumed strand gets too: fpcw is untouched by the switch.', 'fpcw', fpcw=0x027f)
    emit('fpcw-default', 'With the Linux default x87 control word (0x037f) the switch leaves it as it is.',
         'fpcw', fpcw=0x037f)

    # ---- boundary values in every callee-saved register
    Z, O, S, A5, AA = 0, M64, 0x8000000000000000, 0x5555555555555555, 0xaaaaaaaaaaaaaaaa
    cs = ['rbx', 'rbp', 'r12', 'r13', 'r14', 'r15']
    for nm, a, b, what in [('zero', Z, O, '0'), ('all-ones', O, Z, 'all ones'), ('sign-bit', S, S - 1, '0x8000000000000000'),
                           ('sign-bit-restored', S - 1, S, '0x7fffffffffffffff'),
                           ('alternating-a', AA, A5, '0xaaaaaaaaaaaaaaaa'), ('alternating-5', A5, AA, '0x5555555555555555')]:
        emit('boundary-' + nm, 'Every callee-saved register of the running strand holds %s: saved exactly; the resumed '
             'strand\'s slots hold %s and are loaded exactly.' % (what, h(b)), 'registers',
             saved={r: a for r in cs}, restored={r: b for r in cs})
    vals = [Z, O, S, AA, A5, S - 1]
    emit('boundary-mixed', 'A different boundary value in each callee-saved register (0, all ones, sign bit, '
         'alternating bits, 0x7fff…), rotated by one register in the resumed strand: a swapped slot shows.',
         'registers', saved=dict(zip(cs, vals)), restored=dict(zip(cs, vals[1:] + vals[:1])))
    emit('rflags-untouched', 'The routine changes no flag: rflags with CF, PF, AF, ZF, SF, OF and DF set (0xcd7) '
         'is what the resumed strand sees. (DF set breaks the ABI at a call; the routine still must not care.)',
         'registers', rflags=0xcd7)

    # ---- placement
    def same(v, regs):
        v.args = [('save', 0), ('save', 0)]
        del v.regions['restore']
        del v.regions['restore_stack']
        v.until = '[rsp]'
    emit('same-context', 'save == restore (switching to yourself): the context is written, then read back; the '
         'call returns to its own caller with every register as it was and rsp + 8. The stop address is [rsp]: '
         'the default [restore.rsp] is computed before the call, from the stale context.', 'placement', tweak=same)

    def overlap(v, regs):
        v.args = [('save', 0), ('save', 8)]
        del v.regions['restore']
        v.until = 'none'
        v.dword('save', 0x40, 0x1f80)    # what restore.mxcsr (save+0x48 - 8 = save+0x40) reads
        regs['mxcsr'] = 0x3f80
    emit('overlap-by-8', 'Overlapping contexts (restore = save + 8): the routine saves all slots first, so the '
         'resumed registers are the saved ones shifted by a slot (rbx = entry rbp, …, r15 = entry rsp); rsp gets '
         'the saved MXCSR and spare (0x3f80) and ret faults reading 0x3f80.', 'faults', tweak=overlap)

    def page_cross(v, regs):
        for n in ('save', 'restore'):
            v.regions[n]['size'] = 2 * PAGE
        v.regions['save']['contexts'] = {0xfe0: v.regions['save']['contexts'][0]}
        v.regions['restore']['contexts'] = {0xfc8: v.regions['restore']['contexts'][0]}
        v.args = [('save', 0xfe0), ('restore', 0xfc8)]
    emit('contexts-across-page-boundary', 'Both contexts straddle a page boundary inside their mapping (save at '
         '+0xfe0: rbx..r13 on the first page, r14..spare on the second; restore at +0xfc8): nothing changes.',
         'placement', tweak=page_cross)

    def at_end(v, regs):
        v.regions['save']['contexts'] = {0xfc0: v.regions['save']['contexts'][0]}
        v.regions['restore']['contexts'] = {0xfc0: v.regions['restore']['contexts'][0]}
        v.args = [('save', 0xfc0), ('restore', 0xfc0)]
    emit('contexts-at-mapping-end', 'Both contexts end exactly where their mapping ends (+0xfc0, the next page '
         'unmapped): all 64 bytes are inside; the spare bytes are not written.', 'placement', tweak=at_end)

    def unaligned(v, regs):
        v.regions['save']['contexts'] = {0x101: v.regions['save']['contexts'][0]}
        v.regions['restore']['contexts'] = {0x20b: v.regions['restore']['contexts'][0]}
        v.args = [('save', 0x101), ('restore', 0x20b)]
    emit('contexts-unaligned', 'Contexts at odd addresses (save + 0x101, restore + 0x20b): x86 allows unaligned '
         'movq, stmxcsr and ldmxcsr; every slot lands at its offset from the odd base.', 'placement', tweak=unaligned)

    def unaligned_stack(v, regs):
        v.regions['caller_stack']['qwords'] = {0xfc5: CALLER_RET}
        regs['rsp'] = ('caller_stack', 0xfc5)
        v.regions['restore_stack']['qwords'] = {0xf73: RESUME}
        v.regions['restore']['contexts'][0]['rsp'] = ('restore_stack', 0xf73)
    emit('stacks-unaligned', 'Both stack pointers odd (entry rsp = caller_stack + 0xfc5, restore.rsp = '
         'restore_stack + 0xf73): the routine saves rsp as it is and ret pops from the odd address.',
         'placement', tweak=unaligned_stack)

    def stack_end(v, regs):
        v.regions['restore_stack']['qwords'] = {0xff8: RESUME}
        v.regions['restore']['contexts'][0]['rsp'] = ('restore_stack', 0xff8)
        v.regions['caller_stack']['qwords'] = {0xff8: CALLER_RET}
        regs['rsp'] = ('caller_stack', 0xff8)
    emit('stack-ends-at-mapping-end', 'The resumed strand\'s return address is the last qword of its mapping '
         '(restore.rsp = end - 8): ret pops it and leaves rsp = end, one past the mapping, never touched.',
         'placement', tweak=stack_end)

    def readonly(v, regs):
        v.regions['restore']['prot'] = 'r'
        v.regions['restore_stack']['prot'] = 'r'
    emit('restore-side-read-only', 'The restore context and the resumed stack are read-only: the switch only reads '
         'them (writes go to the save context only).', 'placement', tweak=readonly)

    def exact_budget(v, regs):
        v.budget = 17
    emit('budget-exactly-17', 'The switch is 17 instructions: with a budget of exactly 17 the run reaches the '
         'resume address.', 'placement', tweak=exact_budget)

    # ---- faults
    def restore_unmapped(v, regs):
        del v.regions['restore']
        v.args = [('save', 0), 0x100000050000]
        v.until = 'none'
    emit('fault-restore-context-unmapped', 'restore points at unmapped memory: all eight saves complete, then the '
         'first load (movq 0(%rsi), %rbx) faults: unmapped-read at restore + 0; no register has changed yet.',
         'faults', tweak=restore_unmapped)

    def stack_unmapped(v, regs):
        del v.regions['restore_stack']
        v.regions['restore']['contexts'][0]['rsp'] = 0x100000050ff0
    emit('fault-restore-stack-unmapped', 'restore.rsp points at unmapped memory: every register and MXCSR is '
         'loaded, then ret faults reading its return address: unmapped-read at restore.rsp, rsp already switched.',
         'faults', tweak=stack_unmapped)

    def save_ro(v, regs):
        v.regions['save']['prot'] = 'r'
    emit('fault-save-context-read-only', 'The save context is read-only: the very first instruction (movq %rbx, '
         '0(%rdi)) faults: write-protected at save + 0; nothing is written, no register changes.',
         'faults', tweak=save_ro)

    def save_unmapped(v, regs):
        del v.regions['save']
        v.args = [0x100000050000, ('restore', 0)]
    emit('fault-save-context-unmapped', 'save points at unmapped memory: unmapped-write at save + 0 by the first '
         'instruction.', 'faults', tweak=save_unmapped)

    def save_past_end(v, regs):
        v.regions['save']['contexts'] = {}
        v.args = [('save', 0xfc8), ('restore', 0)]
    emit('fault-save-context-past-mapping-end', 'The save context starts 0x38 bytes before the end of its mapping: '
         'rbx..rsp fit and are written, stmxcsr writes at the end: unmapped-write at save + 0x1000.',
         'faults', tweak=save_past_end)

    def restore_past_end(v, regs):
        ctx = v.regions['restore']['contexts'][0]
        v.regions['restore']['contexts'] = {0xfc8: {k: ctx[k] for k in SLOTS}}
        v.args = [('save', 0), ('restore', 0xfc8)]
    emit('fault-restore-context-past-mapping-end', 'The restore context starts 0x38 bytes before the end of its '
         'mapping: the seven qword slots load, ldmxcsr reads past the end: unmapped-read at restore + 0x1000, '
         'MXCSR unchanged.', 'faults', tweak=restore_past_end)

    def save_straddles(v, regs):
        v.regions['save']['contexts'] = {}
        v.args = [('save', 0xfcc), ('restore', 0)]
        v.partial_split_stores = True
    emit('fault-save-context-straddles-mapping-end', 'The save context starts 0x34 bytes before the end of its '
         'mapping, so movq %rsp, 48(%rdi) is an 8-byte store across the end: unmapped-write at save + 0x1000 (the '
         'first byte past the mapping). EMULATOR BEHAVIOUR PINNED: Unicorn 2.0 has already written the 4 bytes '
         'that fit (the low half of rsp at save + 0xffc); a real x86 CPU writes nothing of a faulting store. '
         'Fault vectors are never replayed on hardware.', 'faults', tweak=save_straddles)

    def restore_straddles(v, regs):
        ctx = v.regions['restore']['contexts'][0]
        v.regions['restore']['contexts'] = {0xfcc: {k: ctx[k] for k in SLOTS[:6]}}
        v.args = [('save', 0), ('restore', 0xfcc)]
    emit('fault-restore-context-straddles-mapping-end', 'The restore context starts 0x34 bytes before the end of '
         'its mapping: rbx..r15 load, then movq 48(%rsi), %rsp reads 8 bytes across the end: unmapped-read at '
         'restore + 0x1000, the first byte past the mapping; rsp and MXCSR keep their entry values.',
         'faults', tweak=restore_straddles)

    def stack_none(v, regs):
        v.regions['restore_stack']['prot'] = 'none'
        v.until = 'none'
    emit('fault-restore-stack-no-access', 'The resumed stack is mapped without any access: ret faults with '
         'read-protected at restore.rsp.', 'faults', tweak=stack_none)

    def resume_noexec(v, regs):
        v.region('resume_code', 0x100000040000, PAGE, 'rw')
        v.regions['restore_stack']['qwords'] = {RESTORE_RSP_OFF: ('resume_code', 0x200)}
        v.until = 'none'
    emit('fault-resume-address-not-executable', 'The resume address is in a readable, writable, non-executable '
         'page: ret succeeds, the fetch there faults: fetch-protected at the resume address.',
         'faults', tweak=resume_noexec)

    def resume_unmapped(v, regs):
        v.until = 'none'
    emit('fault-resume-address-unmapped', 'With no stop address the run goes on past ret to the resume address, '
         'which is not mapped: unmapped-fetch there, every register already switched.', 'faults', tweak=resume_unmapped)

    def short_budget(v, regs):
        v.budget = 16
    emit('fault-budget-16', 'A budget of 16 instructions is one short: the run stops after ldmxcsr, before ret '
         '(budget-exhausted, last instruction cem_swapcontext+0x3a).', 'faults', tweak=short_budget)

    seed()

# ------------------------------------------------------------------ the seed scenarios as single steps

BLOCK = 0x100000100000
MAIN_STACK = 0x100000110000
def STACK(i):       # strand stacks of 64 KiB like the seed scenarios, with unmapped gaps
    return 0x100000200000 + i * 0x20000

MAIN_REGS = dict(rbx=0x1111111111111111, rbp=0x5555555555555555, r13=0x3333333333333333,
                 r14=0x4444444444444444, r15=0x6666666666666666)

def seed_vector(name, desc, asm):
    v = V(name, desc, 'seed')
    v.call_symbol = None
    v.asm = [asm]
    set_code(v.asm)
    v.region('block', BLOCK)
    v.region('main_stack', MAIN_STACK, 0x10000)
    return v

def fresh(v, region, ctx_off, stack, size, entry, presets):
    """MakeContext.make, by hand: top = (base+size) & ~15; [top-8] = exit (0); [top-16] = entry;
    rsp = top-16; callee-saved from presets (else 0); mxcsr 0x1f80; spare 0."""
    top = size & ~15
    v.qword(stack, top - 8, 0)
    v.qword(stack, top - 16, entry)
    slots = {s: presets.get(s, 0) for s in ['rbx', 'rbp', 'r12', 'r13', 'r14', 'r15']}
    v.context(region, ctx_off, **slots, rsp=(stack, top - 16), mxcsr=0x1f80, spare=0)

def main_regs(**extra):
    r = dict(SCRATCH)
    r.update(MAIN_REGS)
    r['r12'] = ('block', 0)
    r.update(extra)
    return r

def seed():
    # main's frame, as simple_main/chain_main build it when called with rsp = top - 8:
    # 6 pushes and subq: the call of cem_swapcontext pushes its return address at main_stack + 0xffa8
    # (simple: 0x10000 - 8 - 48 - 24 - 8 = 0xffa8).
    MAIN_ENTRY = 0xffa8

    # 1. simple switch, first entry into a fresh strand
    v = seed_vector('seed-simple-first-entry', 'Seed scenario 1 (simple switch), the first switch: main '
                    '(MXCSR 0x5f80, round up) enters a fresh strand laid out by makeContext (rbx = marker, r12 = '
                    'block). The strand starts at simple_strand with rsp = top - 8 (8 mod 16), MXCSR 0x1f80 and '
                    'rbp, r13-r15 = 0; main is saved at block+0x0.', 'asm/strands/simple.s')
    v.region('stack_a', STACK(0), 0x10000)
    fresh(v, 'block', 0x40, 'stack_a', 0x10000, ('simple_strand', 0), {'rbx': 0x0b0b0b0b0b0b0b0b, 'r12': ('block', 0)})
    v.context('block', 0x0, **STALE)
    v.qword('main_stack', MAIN_ENTRY, ('simple_main', 0x6a))
    v.args = [('block', 0), ('block', 0x40)]
    regs = main_regs(rsp=('main_stack', MAIN_ENTRY), rflags=0x246, mxcsr=0x5f80, fpcw=0x037f)
    run(v, regs)

    # 1b. the same, run to the end: the strand body runs and switches back to main.
    def simple_round_trip(top, stack_name):
        def body(regs, mem, code, count):
            swap(regs, mem, code, count)                       # main -> strand (rip = simple_strand)
            b = regs['r12']
            mem.write(b + 0x108, 8, regs['rsp'])               # movq %rsp, 0x108(%r12)
            mem.write(b + 0x110, 4, regs['mxcsr'])             # stmxcsr 0x110(%r12)
            mem.write(b + 0x118, 8, regs['rbx'])               # movq %rbx, 0x118(%r12)
            mem.write(b + 0x100, 8, 1)                         # movq $1, 0x100(%r12)
            regs['rdi'] = b + 0x40                             # leaq 0x040(%r12), %rdi
            regs['rsi'] = b                                    # leaq 0x000(%r12), %rsi
            regs['rsp'] -= 8                                   # call cem_swapcontext
            mem.write(regs['rsp'], 8, SYMBOLS['simple_strand'] + 0x33)
            count[0] += 7
            swap(regs, mem, code, count)                       # strand -> main
        return body

    for nm, size, stack_name, what in [('seed-simple-round-trip', 0x10000, 'stack_a', 'a 64 KiB stack'),
                                       ('seed-stack-size-4096-round-trip', 0x1000, 'stack_min', 'a minimal 4096-byte stack whose top is the end of its mapping')]:
        v = seed_vector(nm, 'Seed scenario %s: main -> fresh strand -> main on %s, run until main\'s return '
                        'address. The strand records its entry rsp (top - 8), MXCSR (0x1f80) and rbx (the marker) '
                        'and sets the ran flag; main gets back rbx..r15, rsp + 8 and MXCSR 0x5f80; the strand\'s '
                        'context holds its state at its own switch (rsp = top - 16, where its call pushed '
                        'simple_strand+0x33). 41 instructions: 17 + 7 + 17.' % ('1 (simple switch)' if size == 0x10000 else '6 (stack size validation)', what),
                        'asm/strands/simple.s')
        v.region(stack_name, STACK(1), size)
        fresh(v, 'block', 0x40, stack_name, size, ('simple_strand', 0), {'rbx': 0x0b0b0b0b0b0b0b0b, 'r12': ('block', 0)})
        v.context('block', 0x0, **STALE)
        v.qword('main_stack', MAIN_ENTRY, ('simple_main', 0x6a))
        v.args = [('block', 0), ('block', 0x40)]
        v.until = '[rsp]'
        regs = main_regs(rsp=('main_stack', MAIN_ENTRY), rflags=0x246, mxcsr=0x5f80, fpcw=0x037f)
        run(v, regs, body=simple_round_trip(size, stack_name))

    v = seed_vector('seed-stack-size-4096-first-entry', 'Seed scenario 6 (stack size validation): first entry into '
                    'a strand on the minimal 4096-byte stack, which ends exactly at the end of its mapping: '
                    'rsp = top - 16 = stack + 0xff0 holds the entry, stack + 0xff8 the exit address 0; the strand '
                    'starts with rsp = stack + 0xff8.', 'asm/strands/simple.s')
    v.region('stack_min', STACK(1), 0x1000)
    fresh(v, 'block', 0x40, 'stack_min', 0x1000, ('simple_strand', 0), {'rbx': 0x0b0b0b0b0b0b0b0b, 'r12': ('block', 0)})
    v.context('block', 0x0, **STALE)
    v.qword('main_stack', MAIN_ENTRY, ('simple_main', 0x6a))
    v.args = [('block', 0), ('block', 0x40)]
    run(v, main_regs(rsp=('main_stack', MAIN_ENTRY), rflags=0x246, mxcsr=0x5f80, fpcw=0x037f))

    # 2. ping-pong: round 500. main resumes the suspended strand; then the strand switches back.
    PP_MAIN_ENTRY = 0x10000 - 8 - 48 - 8 - 8     # 6 pushes, subq $8, call: 0xffb8
    v = seed_vector('seed-pingpong-resume-strand', 'Seed scenario 2 (multiple switches), round 500: main (r13 = 499 '
                    'rounds done) resumes the suspended strand, whose rbx counts 499 round trips and whose '
                    'context points at pingpong_strand+0x21 (after its call). The switch stops there: the '
                    'strand has its rbx and r12 back, rsp = top - 8.', 'asm/strands/pingpong.s')
    v.region('stack_a', STACK(0), 0x10000)
    v.context('block', 0x0, rbx=0x1111111111111111, rbp=0x5555555555555555, r12=('block', 0), r13=0x1f2,
              r14=0x4444444444444444, r15=0x6666666666666666, rsp=('main_stack', PP_MAIN_ENTRY), mxcsr=0x1f80, spare=0)
    v.context('block', 0x40, rbx=0x1f3, rbp=0, r12=('block', 0), r13=0, r14=0, r15=0, rsp=('stack_a', 0xfff0),
              mxcsr=0x1f80, spare=0)
    v.qword('block', 0x100, 0x1f3)
    v.qword('block', 0x118, 0x1f3)
    v.qword('stack_a', 0xfff0, ('pingpong_strand', 0x21))
    v.qword('stack_a', 0xfff8, 0)
    v.qword('main_stack', PP_MAIN_ENTRY, ('pingpong_main', 0x4a))
    v.args = [('block', 0), ('block', 0x40)]
    regs = main_regs(rsp=('main_stack', PP_MAIN_ENTRY), r13=0x1f3, rflags=0x246, mxcsr=0x1f80, fpcw=0x037f)
    run(v, regs)

    v = seed_vector('seed-pingpong-strand-to-main', 'Seed scenario 2 (multiple switches), round 500 the other way: '
                    'the strand has counted (rbx = 500) and switches back to main, saving itself at block+0x40 '
                    'and resuming main after its call (pingpong_main+0x4a) with main\'s registers.',
                    'asm/strands/pingpong.s')
    v.region('stack_a', STACK(0), 0x10000)
    v.context('block', 0x0, rbx=0x1111111111111111, rbp=0x5555555555555555, r12=('block', 0), r13=0x1f3,
              r14=0x4444444444444444, r15=0x6666666666666666, rsp=('main_stack', PP_MAIN_ENTRY), mxcsr=0x1f80, spare=0)
    v.context('block', 0x40, rbx=0x1f3, rbp=0, r12=('block', 0), r13=0, r14=0, r15=0, rsp=('stack_a', 0xfff0),
              mxcsr=0x1f80, spare=0)
    v.qword('block', 0x100, 0x1f4)
    v.qword('block', 0x118, 0x1f4)
    v.qword('stack_a', 0xfff0, ('pingpong_strand', 0x21))
    v.qword('stack_a', 0xfff8, 0)
    v.qword('main_stack', PP_MAIN_ENTRY, ('pingpong_main', 0x4a))
    v.args = [('block', 0x40), ('block', 0)]
    regs = dict(SCRATCH)
    regs.update(rbx=0x1f4, rbp=0, r12=('block', 0), r13=0, r14=0, r15=0, rsp=('stack_a', 0xfff0),
                rflags=0x202, mxcsr=0x1f80, fpcw=0x037f)
    run(v, regs)

    # 3. context to context: A -> fresh B; C -> main; and the whole chain.
    CH_MAIN_ENTRY = 0xffb8
    def chain_setup(v, fresh_ones):
        for i, (off, letter, nxt) in enumerate([(0x40, 0x41, 0x80), (0x80, 0x42, 0xc0), (0xc0, 0x43, 0x0)]):
            v.region('stack_' + chr(0x61 + i), STACK(i), 0x10000)
            if i in fresh_ones:
                fresh(v, 'block', off, 'stack_' + chr(0x61 + i), 0x10000, ('chain_strand', 0),
                      {'rbx': letter, 'r12': ('block', 0), 'r13': ('block', off), 'r14': ('block', nxt)})
    v = seed_vector('seed-chain-a-to-fresh-b', 'Seed scenario 3 (context to context), strand to strand: strand A '
                    '(rbx = \'A\') has left its mark and switches to strand B, which has never run: B starts at '
                    'chain_strand with its presets (rbx = \'B\', r13 = its context, r14 = C\'s) and rsp = top - 8.',
                    'asm/strands/chain.s')
    chain_setup(v, {0, 1, 2})       # A's context still holds its fresh layout: A is the one running
    v.context('block', 0x0, rbx=0x1111111111111111, rbp=0x5555555555555555, r12=('block', 0), r13=0x3333333333333333,
              r14=0x4444444444444444, r15=0x6666666666666666, rsp=('main_stack', CH_MAIN_ENTRY), mxcsr=0x1f80, spare=0)
    v.qword('main_stack', CH_MAIN_ENTRY, ('chain_main', 0x51))
    v.qword('block', 0x100, 1)
    v.qword('block', 0x108, 0x41)
    v.args = [('block', 0x40), ('block', 0x80)]
    regs = dict(SCRATCH)
    regs.update(rax=0, rbx=0x41, rbp=0, r12=('block', 0), r13=('block', 0x40), r14=('block', 0x80), r15=0,
                rsp=('stack_a', 0xfff0), rflags=0x202, mxcsr=0x1f80, fpcw=0x037f)
    v.qword('stack_a', 0xfff0, ('chain_strand', 0x23))
    v.qword('stack_a', 0xfff8, 0)
    run(v, regs)

    v = seed_vector('seed-chain-c-to-main', 'Seed scenario 3 (context to context), the last link: strand C '
                    '(rbx = \'C\', r14 = main\'s context) switches to main, which resumes after its call '
                    '(chain_main+0x51) with its own registers; C is saved at block+0xc0.', 'asm/strands/chain.s')
    chain_setup(v, {0, 1, 2})       # A and B saved themselves where makeContext put them; C is running
    for i in (0, 1):
        v.qword('stack_' + chr(0x61 + i), 0xfff0, ('chain_strand', 0x23))
    v.context('block', 0x0, rbx=0x1111111111111111, rbp=0x5555555555555555, r12=('block', 0), r13=0x3333333333333333,
              r14=0x4444444444444444, r15=0x6666666666666666, rsp=('main_stack', CH_MAIN_ENTRY), mxcsr=0x1f80, spare=0)
    v.qword('main_stack', CH_MAIN_ENTRY, ('chain_main', 0x51))
    v.qword('block', 0x100, 3)
    v.qword('block', 0x108, 0x41)
    v.qword('block', 0x110, 0x42)
    v.qword('block', 0x118, 0x43)
    v.qword('stack_c', 0xfff0, ('chain_strand', 0x23))
    v.qword('stack_c', 0xfff8, 0)
    v.args = [('block', 0xc0), ('block', 0)]
    regs = dict(SCRATCH)
    regs.update(rax=2, rbx=0x43, rbp=0, r12=('block', 0), r13=('block', 0xc0), r14=('block', 0), r15=0,
                rsp=('stack_c', 0xfff0), rflags=0x206, mxcsr=0x1f80, fpcw=0x037f)
    run(v, regs)

    v = seed_vector('seed-chain-full', 'Seed scenario 3 (context to context) as one run: main -> A -> B -> C -> '
                    'main, each fresh strand leaving its letter at block+0x108.. and counting at block+0x100, run '
                    'until main\'s return address. 86 instructions: 17 + 3 x (6 + 17). rflags are those of C\'s '
                    'incq (2 -> 3: PF set, ZF clear: 0x206); rax = 2 and rdi/rsi = C\'s and main\'s contexts are '
                    'what C left.', 'asm/strands/chain.s')
    chain_setup(v, {0, 1, 2})
    v.context('block', 0x0, **STALE)
    v.qword('main_stack', CH_MAIN_ENTRY, ('chain_main', 0x51))
    v.args = [('block', 0), ('block', 0x40)]
    v.until = '[rsp]'
    def chain_body(regs, mem, code, count):
        swap(regs, mem, code, count)       # main -> A
        for _ in range(3):
            b = regs['r12']
            regs['rax'] = mem.read(b + 0x100, 8)                    # movq 0x100(%r12), %rax
            mem.write(b + 0x108 + 8 * regs['rax'], 8, regs['rbx'])  # movq %rbx, 0x108(%r12,%rax,8)
            n = mem.read(b + 0x100, 8) + 1                          # incq 0x100(%r12)
            mem.write(b + 0x100, 8, n)
            pf = 1 if bin(n & 0xff).count('1') % 2 == 0 else 0
            zf = 1 if n == 0 else 0
            af = 1 if (n & 0xf) == 0 else 0
            regs['rflags'] = (regs['rflags'] & ~(0x8d4)) | (pf << 2) | (af << 4) | (zf << 6)   # OF SF ZF AF PF (CF kept)
            regs['rdi'] = regs['r13']                                # movq %r13, %rdi
            regs['rsi'] = regs['r14']                                # movq %r14, %rsi
            regs['rsp'] -= 8                                        # call
            mem.write(regs['rsp'], 8, SYMBOLS['chain_strand'] + 0x23)
            count[0] += 6
            swap(regs, mem, code, count)
    regs = main_regs(rsp=('main_stack', CH_MAIN_ENTRY), rflags=0x246, mxcsr=0x1f80, fpcw=0x037f)
    run(v, regs, body=chain_body)

    # 4. stack preservation: main resumes A, whose frame holds its eight slots; A switches back.
    SEED_A, SEED_MAIN = 0x4141414100000000, 0x4d41494e00000000
    ST_MAIN_ENTRY = 0x10000 - 8 - 48 - 72 - 8    # 0xff78: 6 pushes, subq $72, call
    def stack_setup(v):
        v.region('stack_a', STACK(0), 0x10000)
        for i in range(8):
            v.qword('stack_a', 0xffb8 + 8 * i, SEED_A + i)              # A's frame: rsp = top - 72 = +0xffb8
            v.qword('main_stack', ST_MAIN_ENTRY + 8 + 8 * i, SEED_MAIN + i)   # main's frame above its return address
        v.qword('stack_a', 0xfff8, 0)
        v.qword('stack_a', 0xffb0, ('stack_strand', 0x28))             # A's call pushed this at rsp - 8
        v.qword('main_stack', ST_MAIN_ENTRY, ('stack_main', 0x3f))
        v.qword('block', 0x130, ('stack_a', 0xffb8))
        v.qword('block', 0x100, 2)
        v.qword('block', 0x120, 2)
    main_ctx = dict(rbx=SEED_MAIN, rbp=0x5555555555555555, r12=('block', 0), r13=2, r14=0x4444444444444444,
                    r15=0x6666666666666666, rsp=('main_stack', ST_MAIN_ENTRY), mxcsr=0x1f80, spare=0)
    a_ctx = dict(rbx=SEED_A, rbp=0, r12=('block', 0), r13=('block', 0x40), r14=0x100, r15=0,
                 rsp=('stack_a', 0xffb0), mxcsr=0x1f80, spare=0)
    v = seed_vector('seed-stack-resume-a', 'Seed scenario 4 (stack preservation), round 3: main resumes strand A, '
                    'whose frame holds eight slots (seed 0x41414141_00000000 + i) just above the return address its '
                    'call pushed. The switch reads only that return address: the frames of A and main are '
                    'unchanged, and A resumes at stack_strand+0x28 with rsp = its frame (stack_a + 0xffb8).', 'asm/strands/stack.s')
    stack_setup(v)
    v.context('block', 0x0, **STALE)
    v.context('block', 0x40, **a_ctx)
    v.args = [('block', 0), ('block', 0x40)]
    regs = dict(SCRATCH)
    regs.update({k: main_ctx[k] for k in ['rbx', 'rbp', 'r12', 'r13', 'r14', 'r15', 'rsp']})
    regs.update(rflags=0x246, mxcsr=0x1f80, fpcw=0x037f)
    run(v, regs)

    v = seed_vector('seed-stack-a-to-main', 'Seed scenario 4 (stack preservation), A switches back to main: A is '
                    'saved with rsp just below its frame; main resumes at stack_main+0x3f with its own frame of '
                    'eight slots (seed "MAIN") intact.', 'asm/strands/stack.s')
    stack_setup(v)
    v.context('block', 0x0, **main_ctx)
    v.context('block', 0x40, **a_ctx)
    v.args = [('block', 0x40), ('block', 0)]
    regs = dict(SCRATCH)
    regs.update({k: a_ctx[k] for k in ['rbx', 'rbp', 'r12', 'r13', 'r14', 'r15', 'rsp']})
    regs.update(rax=SEED_A + 7, rcx=8, rflags=0x246, mxcsr=0x1f80, fpcw=0x037f)
    run(v, regs)

    # 5. floating point: A (round down, fpcw 0x077f after its fldcw) -> main; main -> fresh B.
    FP_MAIN_ENTRY = 0x10000 - 8 - 48 - 24 - 8    # 0xffa8
    v = seed_vector('seed-fp-a-to-main', 'Seed scenario 5 (floating point): strand A runs with MXCSR round down '
                    '(0x3f80) and has set the x87 control word to 0x077f; it switches to main, saved with '
                    'round-to-nearest. main gets MXCSR 0x1f80 back, A\'s 0x3f80 is saved - but the x87 control '
                    'word stays 0x077f: the routine does not switch it (the seed scenario observes the same leak).',
                    'asm/strands/fp.s')
    v.region('stack_a', STACK(0), 0x10000)
    v.context('block', 0x0, rbx=0x1111111111111111, rbp=0x5555555555555555, r12=('block', 0), r13=0,
              r14=0x4444444444444444, r15=0x6666666666666666, rsp=('main_stack', FP_MAIN_ENTRY), mxcsr=0x1f80, spare=0)
    v.context('block', 0x40, **STALE)
    v.qword('main_stack', FP_MAIN_ENTRY, ('fp_main', 0x3f))
    v.qword('stack_a', 0xfff0, ('fp_strand', 0x4c))
    v.qword('stack_a', 0xfff8, 0)
    v.dword('block', 0x220, 0x3f80)
    v.dword('block', 0x224, 0x5f80)
    v.args = [('block', 0x40), ('block', 0)]
    regs = dict(SCRATCH)
    regs.update(rax=2, rbx=1, rbp=0, r12=('block', 0), r13=('block', 0x40), r14=0x240, r15=0x2a0,
                rcx=('block', 0x2a0), rsp=('stack_a', 0xfff0), rflags=0x246, mxcsr=0x3f80, fpcw=0x077f)
    run(v, regs)

    v = seed_vector('seed-fp-main-to-fresh-b', 'Seed scenario 5 (floating point): main (round to nearest) enters '
                    'the fresh strand B; B starts with MXCSR 0x1f80 from makeContext, and with the x87 control word '
                    'A left (0x077f), because the routine does not switch it.', 'asm/strands/fp.s')
    v.region('stack_b', STACK(1), 0x10000)
    fresh(v, 'block', 0x80, 'stack_b', 0x10000, ('fp_strand', 0), {'rbx': 2, 'r12': ('block', 0), 'r13': ('block', 0x80),
                                                                   'r14': 0x260, 'r15': 0x2b0})
    v.context('block', 0x0, **STALE)
    v.qword('main_stack', FP_MAIN_ENTRY, ('fp_main', 0x6f))
    v.dword('block', 0x220, 0x3f80)
    v.dword('block', 0x224, 0x5f80)
    v.args = [('block', 0), ('block', 0x80)]
    regs = dict(SCRATCH)
    regs.update(rax=2, rbx=0x1111111111111111, rbp=0x5555555555555555, r12=('block', 0), r13=0,
                r14=0x4444444444444444, r15=0x6666666666666666, rsp=('main_stack', FP_MAIN_ENTRY),
                rflags=0x246, mxcsr=0x1f80, fpcw=0x077f)
    run(v, regs)

corpus()
