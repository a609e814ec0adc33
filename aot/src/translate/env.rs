//! The translator's environment: what the runtime decides rather than wasm semantics
//! (wasmtime's `FuncEnvironment` is the model). Where vmctx fields and runtime structures
//! are, how heap addresses are formed and checked, how calls reach functions, tables and
//! host code, and which builtins carry the slow paths. The wasm operators in
//! `translate.rs` call these; a new feature's runtime side lands here.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I32, I64};
use cranelift_codegen::ir::{
    AbiParam, Endianness, ExtFuncData, ExternalName, FuncRef, InstBuilder, MemFlagsData, SigRef,
    Signature, StackSlotData, StackSlotKind, Type, UserExternalName, Value,
};
use wamr_common::TrapKind;
use wamr_common::{FuncIndex, GlobalIndex, MemoryIndex, TableIndex, TypeIndex};
use wasmparser::MemArg;

use super::{
    builtin_types, invariant_flags, ir_type, load_slot, slot_offsets, store_slot, wasm_signature,
    BodyTranslator,
};
use crate::abi::Builtin;

impl BodyTranslator<'_, '_> {
    // ----- runtime structures -----

    /// Flags of linear-memory accesses: little-endian, possibly unaligned, may fault
    /// (guard pages).
    pub(super) fn heap_flags(&self) -> MemFlagsData {
        MemFlagsData::new()
            .with_endianness(Endianness::Little)
            .with_alias_region(Some(self.heap_region))
    }

    /// A fuel charge (see `wamr_common::metering`): subtract inline, refuel out of line
    /// when the result is negative.
    pub(super) fn charge_fuel(&mut self, cost: u32) {
        let rs = self.vmctx_field(self.offsets.run_state());
        let at = self.offsets.run_state_fuel_left() as i32;
        let left = self
            .builder
            .ins()
            .load(I64, MemFlagsData::trusted(), rs, at);
        let left = self.builder.ins().iadd_imm_s(left, -i64::from(cost));
        self.builder
            .ins()
            .store(MemFlagsData::trusted(), left, rs, at);
        let short = self
            .builder
            .ins()
            .icmp_imm_s(IntCC::SignedLessThan, left, 0);
        let cost = self.iconst32(cost as i32);
        self.out_of_line(short, Builtin::Refuel, &[cost]);
    }

    /// An interruption check: one load and branch inline, the trap out of line.
    pub(super) fn check_interrupt(&mut self) {
        let rs = self.vmctx_field(self.offsets.run_state());
        let at = self.offsets.run_state_interrupt() as i32;
        let flag = self
            .builder
            .ins()
            .load(I32, MemFlagsData::trusted(), rs, at);
        self.out_of_line(flag, Builtin::Interrupt, &[]);
    }

    /// Calls `builtin` from a cold block when `cond` is nonzero, then goes on.
    pub(super) fn out_of_line(&mut self, cond: Value, builtin: Builtin, args: &[Value]) {
        let slow = self.builder.create_block();
        let cont = self.builder.create_block();
        self.builder.set_cold_block(slow);
        self.builder.ins().brif(cond, slow, &[], cont, &[]);
        self.builder.seal_block(slow);
        self.builder.switch_to_block(slow);
        self.call_builtin(builtin, args);
        self.builder.ins().jump(cont, &[]);
        self.builder.seal_block(cont);
        self.builder.switch_to_block(cont);
    }

    /// The pointer at `offset` in the vmctx (a header field or an array entry; see
    /// `VMOffsets`), invariant while the instance lives.
    pub(super) fn vmctx_field(&mut self, offset: u32) -> Value {
        let offset = i32::try_from(offset).expect("VMOffsets keeps offsets within MAX_VMCTX_SIZE");
        self.builder
            .ins()
            .load(I64, invariant_flags(), self.vmctx, offset)
    }

    /// Entry `index` of a runtime table a vmctx header field points at (builtins,
    /// intrinsics, function entries), invariant while the instance lives.
    pub(super) fn header_table_entry(&mut self, field: u32, index: u32) -> Value {
        let table = self.vmctx_field(field);
        let offset = i32::try_from(u64::from(index) * 8).expect("index space below 2^28");
        self.builder
            .ins()
            .load(I64, invariant_flags(), table, offset)
    }

    /// The `TableDef` of a table.
    pub(super) fn table_def(&mut self, table: u32) -> Value {
        self.vmctx_field(self.offsets.table(TableIndex(table)))
    }

    /// The `MemoryDef` of a memory.
    pub(super) fn memory_def(&mut self, memory: u32) -> Value {
        self.vmctx_field(self.offsets.memory(MemoryIndex(memory)))
    }

    /// The base address of memory `memory`: memory 0's from the vmctx header (one
    /// load), any other's from its `MemoryDef`. A memory never moves, so the load is
    /// invariant and hoists out of loops.
    pub(super) fn memory_base(&mut self, memory: u32) -> Value {
        if memory == 0 {
            return self.vmctx_field(self.offsets.memory0_base());
        }
        let def = self.memory_def(memory);
        self.builder.ins().load(
            I64,
            invariant_flags(),
            def,
            self.offsets.memory_def_base() as i32,
        )
    }

    pub(super) fn sig_of_type(&mut self, type_index: u32) -> SigRef {
        if let Some(s) = self.sigs.get(&type_index) {
            return *s;
        }
        let sig = wasm_signature(&self.module.types[type_index as usize], self.isa);
        let s = self.builder.import_signature(sig);
        self.sigs.insert(type_index, s);
        s
    }

    /// Calls a runtime builtin with the vmctx prepended; returns its result if any.
    pub(super) fn call_builtin(&mut self, builtin: Builtin, args: &[Value]) -> Option<Value> {
        // A trap never returns: it needs no more stack than the check itself leaves.
        self.makes_calls |= builtin != Builtin::Trap;
        let sig = match self.builtin_sigs[builtin as usize] {
            Some(s) => s,
            None => {
                let (params, results) = builtin_types(builtin);
                let mut sig = Signature::new(self.isa.default_call_conv());
                sig.params.push(AbiParam::new(I64));
                sig.params.extend(params.iter().map(|t| AbiParam::new(*t)));
                sig.returns
                    .extend(results.iter().map(|t| AbiParam::new(*t)));
                let s = self.builder.import_signature(sig);
                self.builtin_sigs[builtin as usize] = Some(s);
                s
            }
        };
        let callee = self.header_table_entry(self.offsets.builtins(), builtin as u32);
        let mut all = Vec::with_capacity(args.len() + 1);
        all.push(self.vmctx);
        all.extend_from_slice(args);
        let call = self.builder.ins().call_indirect(sig, callee, &all);
        self.builder.inst_results(call).first().copied()
    }

    /// A pointer to `slots` 8-byte value slots in this frame.
    pub(super) fn foreign_slots(&mut self, slots: u32) -> Value {
        let bytes = slots.max(1) * 8;
        let slot = match self.foreign_slot {
            Some((slot, size)) => {
                if bytes > size {
                    self.builder.func.sized_stack_slots[slot].size = bytes;
                    self.foreign_slot = Some((slot, bytes));
                }
                slot
            }
            None => {
                let slot = self.builder.create_sized_stack_slot(StackSlotData::new(
                    StackSlotKind::ExplicitSlot,
                    bytes,
                    3,
                ));
                self.foreign_slot = Some((slot, bytes));
                slot
            }
        };
        self.builder.ins().stack_addr(I64, slot, 0)
    }

    /// Calls the function described by `FuncData` `fd`, of module type `type_index`:
    /// directly if it is compiled code, otherwise through [`Builtin::CallForeign`].
    /// With `tail`, the call is the function's last act: compiled code is entered by a
    /// tail call, anything else is called and its results returned; nothing is left on
    /// the stack (the result is empty).
    pub(super) fn call_func_data(
        &mut self,
        fd: Value,
        type_index: u32,
        args: &[Value],
        tail: bool,
    ) -> Vec<Value> {
        self.makes_calls = true;
        let ty = self.module.types[type_index as usize].clone();
        let results: Vec<Type> = ty.results().iter().map(|t| ir_type(*t)).collect();
        let engine = self.builder.ins().uload8(
            I32,
            MemFlagsData::trusted(),
            fd,
            self.offsets.func_data_engine() as i32,
        );
        let is_aot = self.builder.ins().icmp_imm_u(
            IntCC::Equal,
            engine,
            i64::from(self.opts.backend.engine_byte()),
        );
        let aot = self.builder.create_block();
        let foreign = self.builder.create_block();
        // A tail call leaves from both paths; nothing merges.
        let merge = (!tail).then(|| self.block_with_params(&results));
        self.builder.ins().brif(is_aot, aot, &[], foreign, &[]);
        self.builder.seal_block(aot);
        self.builder.seal_block(foreign);

        // Compiled code: call its entry with its own vmctx.
        self.builder.switch_to_block(aot);
        let callee_vmctx = self.builder.ins().load(
            I64,
            MemFlagsData::trusted(),
            fd,
            self.offsets.func_data_vmctx() as i32,
        );
        let entry = self.builder.ins().load(
            I64,
            MemFlagsData::trusted(),
            fd,
            self.offsets.func_data_entry() as i32,
        );
        let sig = self.sig_of_type(type_index);
        let mut all = Vec::with_capacity(args.len() + 1);
        all.push(callee_vmctx);
        all.extend_from_slice(args);
        match merge {
            None => {
                self.builder.ins().return_call_indirect(sig, entry, &all);
            }
            Some(merge) => {
                let call = self.builder.ins().call_indirect(sig, entry, &all);
                let rets = self.builder.inst_results(call).to_vec();
                self.jump(merge, &rets);
            }
        }

        // Anything else: arguments and results through value slots.
        self.builder.switch_to_block(foreign);
        let arg_types: Vec<Type> = args
            .iter()
            .map(|a| self.builder.func.dfg.value_type(*a))
            .collect();
        let (arg_offsets, arg_slots) = slot_offsets(&arg_types);
        let (result_offsets, result_slots) = slot_offsets(&results);
        let values = self.foreign_slots(arg_slots.max(result_slots));
        for (a, offset) in args.iter().zip(arg_offsets) {
            store_slot(&mut self.builder, *a, values, offset);
        }
        self.call_builtin(Builtin::CallForeign, &[fd, values]);
        let rets: Vec<Value> = results
            .iter()
            .zip(result_offsets)
            .map(|(t, offset)| load_slot(&mut self.builder, *t, values, offset))
            .collect();
        let Some(merge) = merge else {
            self.builder.ins().return_(&rets);
            self.set_unreachable();
            return Vec::new();
        };
        self.jump(merge, &rets);
        self.builder.switch_to_block(merge);
        self.builder.seal_block(merge);
        self.builder.block_params(merge).to_vec()
    }

    /// `call f`, or with `tail` `return_call f`.
    pub(super) fn call(&mut self, f: u32, tail: bool) {
        self.makes_calls = true;
        let type_index = self.module.funcs[f as usize];
        let ty = &self.module.types[type_index as usize];
        let args = self.pop_n(ty.params().len());
        if self.module.is_imported_func(FuncIndex(f)) {
            let fd = self.vmctx_field(self.offsets.func(FuncIndex(f)));
            let results = self.call_func_data(fd, type_index, &args, tail);
            if !tail {
                self.after_call(true);
            }
            self.stack.extend(results);
            return;
        }
        let mut all = Vec::with_capacity(args.len() + 1);
        all.push(self.vmctx);
        all.extend_from_slice(&args);
        // Indirect mode honours `vmctx.func_entries`. LLVM gets the load and the call
        // through it, and compares the entry with the callee at each call (so it can still
        // inline). Cranelift would keep each callee's address in a register across the
        // function for such a comparison (it does not rematerialise them), and a call
        // through memory from many sites costs predictor entries: its calls are direct,
        // and the callee's entry checks the table (`honour_func_entry`).
        if self.opts.indirect_calls && !self.opts.entry_checks_func_table() {
            let sig = self.sig_of_type(type_index);
            // Not `can_move`: hoisted out of a loop, each callee's entry would hold a
            // callee-saved register across the whole loop; loaded beside its call it
            // costs one L1 load into a scratch register.
            let entry = i32::try_from(self.offsets.func_entry(FuncIndex(f)))
                .expect("VMOffsets keeps offsets within MAX_VMCTX_SIZE");
            let ptr = self.builder.ins().load(
                I64,
                MemFlagsData::trusted().with_readonly(),
                self.vmctx,
                entry,
            );
            if tail {
                self.builder.ins().return_call_indirect(sig, ptr, &all);
            } else {
                let call = self.builder.ins().call_indirect(sig, ptr, &all);
                self.stack.extend(self.builder.inst_results(call).to_vec());
            }
        } else {
            let callee = self.direct_callee(f, type_index);
            if tail {
                self.builder.ins().return_call(callee, &all);
            } else {
                let call = self.builder.ins().call(callee, &all);
                self.stack.extend(self.builder.inst_results(call).to_vec());
            }
        }
        if tail {
            self.set_unreachable();
        } else {
            let may_throw = self.may_throw[f as usize];
            self.after_call(may_throw);
        }
    }

    /// The start of function `f` in indirect mode (Cranelift): while the vmctx says no
    /// entry was redirected, one load and branch; otherwise, out of line, when
    /// `vmctx.func_entries[f]` is not this code, a tail call of it with the same
    /// arguments.
    pub(super) fn honour_func_entry(&mut self, f: u32, params: &[Value]) {
        let redirected = self.builder.ins().load(
            I64,
            MemFlagsData::trusted(),
            self.vmctx,
            self.offsets.func_entries_redirected() as i32,
        );
        let check = self.builder.create_block();
        let forward = self.builder.create_block();
        let body = self.builder.create_block();
        self.builder.set_cold_block(check);
        self.builder.set_cold_block(forward);
        self.builder.ins().brif(redirected, check, &[], body, &[]);
        self.builder.seal_block(check);
        self.builder.switch_to_block(check);
        let type_index = self.module.funcs[f as usize];
        let own = self.direct_callee(f, type_index);
        let own = self.builder.ins().func_addr(I64, own);
        let entry = i32::try_from(self.offsets.func_entry(FuncIndex(f)))
            .expect("VMOffsets keeps offsets within MAX_VMCTX_SIZE");
        let entry = self
            .builder
            .ins()
            .load(I64, MemFlagsData::trusted(), self.vmctx, entry);
        let elsewhere = self.builder.ins().icmp(IntCC::NotEqual, entry, own);
        self.builder.ins().brif(elsewhere, forward, &[], body, &[]);
        self.builder.seal_block(forward);
        self.builder.seal_block(body);
        self.builder.switch_to_block(forward);
        let sig = self.sig_of_type(type_index);
        self.builder.ins().return_call_indirect(sig, entry, params);
        self.builder.switch_to_block(body);
    }

    pub(super) fn direct_callee(&mut self, f: u32, type_index: u32) -> FuncRef {
        if let Some(r) = self.callees.get(&f) {
            return *r;
        }
        let signature = self.sig_of_type(type_index);
        let name = self
            .builder
            .func
            .declare_imported_user_function(UserExternalName::new(0, f));
        let r = self.builder.import_function(ExtFuncData {
            name: ExternalName::user(name),
            signature,
            colocated: true,
            patchable: false,
        });
        self.callees.insert(f, r);
        r
    }

    /// `call_ref`, or with `tail` `return_call_ref`: the reference is a function of type
    /// `type_index` (validation) or null.
    pub(super) fn call_ref(&mut self, type_index: u32, tail: bool) {
        let fd = self.pop();
        let nparams = self.module.types[type_index as usize].params().len();
        let args = self.pop_n(nparams);
        let null = self.builder.ins().icmp_imm_u(IntCC::Equal, fd, 0);
        self.trap_if(null, TrapKind::NullFunctionReference);
        let results = self.call_func_data(fd, type_index, &args, tail);
        if !tail {
            self.after_call(true);
        }
        self.stack.extend(results);
    }

    /// `call_indirect`, or with `tail` `return_call_indirect`.
    pub(super) fn call_indirect(&mut self, type_index: u32, table: u32, tail: bool) {
        let index = self.pop();
        let nparams = self.module.types[type_index as usize].params().len();
        let args = self.pop_n(nparams);
        let def = self.table_def(table);
        let len = self.builder.ins().load(
            I64,
            MemFlagsData::trusted(),
            def,
            self.offsets.table_def_len() as i32,
        );
        let index = self.address_operand(index, self.module.tables[table as usize].table64);
        let oob = self
            .builder
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, index, len);
        self.trap_if(oob, TrapKind::UndefinedElement);
        let base = self.builder.ins().load(
            I64,
            MemFlagsData::trusted(),
            def,
            self.offsets.table_def_base() as i32,
        );
        let offset = self.builder.ins().ishl_imm_u(index, 3);
        let at = self.builder.ins().iadd(base, offset);
        let fd = self.builder.ins().load(I64, MemFlagsData::trusted(), at, 0);
        let null = self.builder.ins().icmp_imm_u(IntCC::Equal, fd, 0);
        self.trap_if(null, TrapKind::UninitializedElement);
        let actual = self.builder.ins().load(
            I32,
            MemFlagsData::trusted(),
            fd,
            self.offsets.func_data_type_id() as i32,
        );
        let expected_at = self.offsets.type_id(TypeIndex(type_index));
        let expected = self.builder.ins().load(
            I32,
            invariant_flags(),
            self.vmctx,
            i32::try_from(expected_at).expect("VMOffsets keeps offsets within MAX_VMCTX_SIZE"),
        );
        let mismatch = self.builder.ins().icmp(IntCC::NotEqual, actual, expected);
        self.trap_if(mismatch, TrapKind::IndirectCallTypeMismatch);
        let results = self.call_func_data(fd, type_index, &args, tail);
        if !tail {
            self.after_call(true);
        }
        self.stack.extend(results);
    }

    /// Loads memory 0's current size into [`BodyTranslator::memory0_bound`] (explicit
    /// bounds checks only). A memory never shrinks, so a bound read before a growth is
    /// at worst too small: it could only give a false trap, never let an access out.
    pub(super) fn reload_memory0_bound(&mut self) {
        let Some(var) = self.memory0_bound else {
            return;
        };
        let size = self.load_memory_size(0);
        self.builder.def_var(var, size);
    }

    /// Memory `memory`'s current size in bytes, loaded from its `MemoryDef`.
    fn load_memory_size(&mut self, memory: u32) -> Value {
        let def = self.memory_def(memory);
        self.builder.ins().load(
            I64,
            MemFlagsData::trusted(),
            def,
            self.offsets.memory_def_size() as i32,
        )
    }

    /// The size in bytes of memory `memory` for a bounds check.
    fn memory_bound(&mut self, memory: u32) -> Value {
        match self.memory0_bound {
            Some(var) if memory == 0 => self.builder.use_var(var),
            // Another memory's size changes on memory.grow: load it at every access.
            _ => self.load_memory_size(memory),
        }
    }

    /// What any call may have changed, read again before anything uses it: memory 0's
    /// bound (the callee may have grown it), then the exception word.
    pub(super) fn after_call(&mut self, may_throw: bool) {
        self.reload_memory0_bound();
        self.check_exception(may_throw);
    }

    /// The native address and immediate offset of an access of `size` bytes at wasm
    /// address `addr` (i32) plus `memarg.offset`, bounds-checked in explicit mode.
    pub(super) fn heap_addr(&mut self, addr: Value, memarg: &MemArg, size: u32) -> (Value, i32) {
        let memory = wamr_common::module::memory_index(memarg);
        if self.module.memories[memory as usize].memory64 {
            return (self.heap_addr64(addr, memory, memarg.offset, size), 0);
        }
        let base = self.memory_base(memory);
        let index = self.builder.ins().uextend(I64, addr);
        if self.opts.bounds_checks {
            // index + offset + size < 2^34: no overflow in 64 bits.
            let ea = self.builder.ins().iadd_imm_u(index, memarg.offset as i64);
            let end = self.builder.ins().iadd_imm_u(ea, i64::from(size));
            let bound = self.memory_bound(memory);
            let oob = self
                .builder
                .ins()
                .icmp(IntCC::UnsignedGreaterThan, end, bound);
            self.trap_if(oob, TrapKind::MemoryOutOfBounds);
            (self.builder.ins().iadd(base, ea), 0)
        } else {
            // Guard pages: base + index + offset stays inside the 8 GiB reservation.
            let at = self.builder.ins().iadd(base, index);
            match i32::try_from(memarg.offset) {
                Ok(off) => (at, off),
                Err(_) => (self.builder.ins().iadd_imm_u(at, memarg.offset as i64), 0),
            }
        }
    }

    /// [`Self::heap_addr`] for a 64-bit memory. With guard pages and an offset below
    /// 4 GiB, only the address's high half is checked: a memory holds at most 4 GiB
    /// (`Memory` caps 64-bit ones like 32-bit ones) inside its 8 GiB reservation, so an
    /// address at or past 2^32 is never in bounds and any other access faults in the
    /// reservation when it is out of bounds. Otherwise an i64 address plus a 64-bit
    /// offset can leave any reservation: the access is checked, overflow included.
    pub(super) fn heap_addr64(
        &mut self,
        addr: Value,
        memory: u32,
        offset: u64,
        size: u32,
    ) -> Value {
        let base = self.memory_base(memory);
        if !self.opts.bounds_checks && offset <= u64::from(u32::MAX) {
            let high = self.builder.ins().icmp_imm_u(
                IntCC::UnsignedGreaterThan,
                addr,
                i64::from(u32::MAX),
            );
            self.trap_if(high, TrapKind::MemoryOutOfBounds);
            let at = self.builder.ins().iadd(base, addr);
            return self.builder.ins().iadd_imm_u(at, offset as i64);
        }
        let bound = self.memory_bound(memory);
        // ea = addr + offset and end = ea + size, each add checked for overflow.
        let offset = self.builder.ins().iconst(I64, offset as i64);
        let (ea, over1) = self.builder.ins().uadd_overflow(addr, offset);
        let size = self.builder.ins().iconst(I64, i64::from(size));
        let (end, over2) = self.builder.ins().uadd_overflow(ea, size);
        let past = self
            .builder
            .ins()
            .icmp(IntCC::UnsignedGreaterThan, end, bound);
        let over = self.builder.ins().bor(over1, over2);
        let oob = self.builder.ins().bor(over, past);
        self.trap_if(oob, TrapKind::MemoryOutOfBounds);
        self.builder.ins().iadd(base, ea)
    }

    /// An address or length operand of memory `memory`'s index type, as the 64-bit value
    /// the runtime helpers take.
    pub(super) fn address_operand(&mut self, v: Value, memory64: bool) -> Value {
        if memory64 {
            v
        } else {
            self.builder.ins().uextend(I64, v)
        }
    }

    // ----- globals, memories and tables -----

    pub(super) fn global_get(&mut self, global_index: u32) {
        let gt = self.module.global_types[global_index as usize];
        let cell = self.vmctx_field(self.offsets.global(GlobalIndex(global_index)));
        // An immutable global's value never changes after instantiation.
        let flags = if gt.mutable {
            MemFlagsData::trusted()
        } else {
            invariant_flags()
        };
        let v = self.builder.ins().load(ir_type(gt.ty), flags, cell, 0);
        self.push(v);
    }

    pub(super) fn global_set(&mut self, global_index: u32) {
        let v = self.pop();
        let cell = self.vmctx_field(self.offsets.global(GlobalIndex(global_index)));
        self.builder
            .ins()
            .store(MemFlagsData::trusted(), v, cell, 0);
    }

    pub(super) fn memory_size(&mut self, mem: u32) {
        let size = self.load_memory_size(mem);
        let pages = self.builder.ins().ushr_imm_u(size, 16);
        let pages = if self.module.memories[mem as usize].memory64 {
            pages
        } else {
            self.builder.ins().ireduce(I32, pages)
        };
        self.push(pages);
    }

    pub(super) fn memory_grow(&mut self, mem: u32) {
        let m64 = self.module.memories[mem as usize].memory64;
        let delta = self.pop();
        let delta = self.address_operand(delta, m64);
        let index = self.iconst32(mem as i32);
        let r = self.call_builtin(Builtin::MemoryGrow, &[index, delta]);
        let r = r.expect("memory.grow returns a value");
        self.reload_memory0_bound();
        let r = if m64 {
            r
        } else {
            self.builder.ins().ireduce(I32, r)
        };
        self.push(r);
    }

    pub(super) fn memory_fill(&mut self, mem: u32) {
        let m64 = self.module.memories[mem as usize].memory64;
        let [dst, val, len]: [Value; 3] = self.pop_n(3).try_into().expect("three operands");
        let args = [
            self.iconst32(mem as i32),
            self.address_operand(dst, m64),
            val,
            self.address_operand(len, m64),
        ];
        self.call_builtin(Builtin::MemoryFill, &args);
    }

    pub(super) fn memory_copy(&mut self, dst_mem: u32, src_mem: u32) {
        let dst64 = self.module.memories[dst_mem as usize].memory64;
        let src64 = self.module.memories[src_mem as usize].memory64;
        let [dst, src, len]: [Value; 3] = self.pop_n(3).try_into().expect("three operands");
        let args = [
            self.iconst32(dst_mem as i32),
            self.iconst32(src_mem as i32),
            self.address_operand(dst, dst64),
            self.address_operand(src, src64),
            self.address_operand(len, dst64 && src64),
        ];
        self.call_builtin(Builtin::MemoryCopy, &args);
    }

    pub(super) fn memory_init(&mut self, data_index: u32, mem: u32) {
        let m64 = self.module.memories[mem as usize].memory64;
        let [dst, src, len]: [Value; 3] = self.pop_n(3).try_into().expect("three operands");
        let args = [
            self.iconst32(mem as i32),
            self.iconst32(data_index as i32),
            self.address_operand(dst, m64),
            src,
            len,
        ];
        self.call_builtin(Builtin::MemoryInit, &args);
    }

    pub(super) fn data_drop(&mut self, data_index: u32) {
        let seg = self.iconst32(data_index as i32);
        self.call_builtin(Builtin::DataDrop, &[seg]);
    }

    pub(super) fn table_get(&mut self, table: u32) {
        let t64 = self.module.tables[table as usize].table64;
        let index = self.pop();
        let index = self.address_operand(index, t64);
        let t = self.iconst32(table as i32);
        let r = self.call_builtin(Builtin::TableGet, &[t, index]);
        self.push(r.expect("table.get returns a value"));
    }

    pub(super) fn table_set(&mut self, table: u32) {
        let t64 = self.module.tables[table as usize].table64;
        let args = self.pop_n(2);
        let index = self.address_operand(args[0], t64);
        let t = self.iconst32(table as i32);
        self.call_builtin(Builtin::TableSet, &[t, index, args[1]]);
    }

    pub(super) fn table_size(&mut self, table: u32) {
        // The length is what call_indirect checks against; read it inline.
        let def = self.table_def(table);
        let len = self.builder.ins().load(
            I64,
            MemFlagsData::trusted(),
            def,
            self.offsets.table_def_len() as i32,
        );
        let len = if self.module.tables[table as usize].table64 {
            len
        } else {
            self.builder.ins().ireduce(I32, len)
        };
        self.push(len);
    }

    pub(super) fn table_grow(&mut self, table: u32) {
        let t64 = self.module.tables[table as usize].table64;
        let args = self.pop_n(2);
        let delta = self.address_operand(args[1], t64);
        let t = self.iconst32(table as i32);
        let r = self.call_builtin(Builtin::TableGrow, &[t, args[0], delta]);
        let r = r.expect("table.grow returns a value");
        let r = if t64 {
            r
        } else {
            self.builder.ins().ireduce(I32, r)
        };
        self.push(r);
    }

    pub(super) fn table_fill(&mut self, table: u32) {
        let t64 = self.module.tables[table as usize].table64;
        let [dst, val, len]: [Value; 3] = self.pop_n(3).try_into().expect("three operands");
        let args = [
            self.iconst32(table as i32),
            self.address_operand(dst, t64),
            val,
            self.address_operand(len, t64),
        ];
        self.call_builtin(Builtin::TableFill, &args);
    }

    pub(super) fn table_init(&mut self, elem_index: u32, table: u32) {
        let t64 = self.module.tables[table as usize].table64;
        let [dst, src, len]: [Value; 3] = self.pop_n(3).try_into().expect("three operands");
        let args = [
            self.iconst32(table as i32),
            self.iconst32(elem_index as i32),
            self.address_operand(dst, t64),
            src,
            len,
        ];
        self.call_builtin(Builtin::TableInit, &args);
    }

    pub(super) fn elem_drop(&mut self, elem_index: u32) {
        let seg = self.iconst32(elem_index as i32);
        self.call_builtin(Builtin::ElemDrop, &[seg]);
    }

    pub(super) fn ref_func(&mut self, function_index: u32) {
        let v = self.vmctx_field(self.offsets.func(FuncIndex(function_index)));
        self.push(v);
    }

    pub(super) fn table_copy(&mut self, dst_table: u32, src_table: u32) {
        let dst64 = self.module.tables[dst_table as usize].table64;
        let src64 = self.module.tables[src_table as usize].table64;
        let [dst, src, len]: [Value; 3] = self.pop_n(3).try_into().expect("three operands");
        let args = [
            self.iconst32(dst_table as i32),
            self.iconst32(src_table as i32),
            self.address_operand(dst, dst64),
            self.address_operand(src, src64),
            self.address_operand(len, dst64 && src64),
        ];
        self.call_builtin(Builtin::TableCopy, &args);
    }
}
