;; Super-instructions of several ops (build.rs FUSED_RUNS), each from the loop it was
;; chosen for: only the first opcode of a run changes, the rest stays in place.
(module
  (memory 1)
  ;; A list of three nodes (next pointer at offset 4) at 16, 32, 48; eight i16 at 64.
  (data (i32.const 20) "\20\00\00\00")
  (data (i32.const 36) "\30\00\00\00")
  (data (i32.const 64) "\01\00\02\00\fd\ff\04\00\05\00\06\00\07\00\f8\ff")
  ;; CoreMark's list reversal: one super-instruction per iteration.
  (func $reverse (export "reverse") (param $list i32) (result i32)
    (local $cur i32) (local $rev i32)
    (loop $again
      (local.set $cur (local.get $list))
      (local.set $list (i32.load offset=4 (local.get $cur)))
      (i32.store offset=4 (local.get $cur) (local.get $rev))
      (local.set $rev (local.get $cur))
      (br_if $again (local.get $list)))
    (local.get $rev))
  ;; Part of SipHash's round as clang schedules it (ratelimit): two super-instructions.
  (func $sipround (export "sipround") (param $v0 i64) (param $v1 i64) (param $v2 i64) (param $v3 i64) (param $t i64) (result i64)
    (local.set $v0 (i64.add (local.get $v1) (local.get $v0)))
    (local.set $v2 (i64.add (i64.rotl (local.get $v0) (i64.const 32)) (local.get $v2)))
    (local.set $v3 (i64.xor (local.get $t) (local.get $v2)))
    (local.set $t (i64.rotl (local.get $v3) (i64.const 16)))
    (local.set $v1 (i64.xor (i64.rotl (local.get $v1) (i64.const 13)) (local.get $v0)))
    (i64.xor (i64.xor (local.get $v0) (local.get $v1)) (i64.xor (local.get $t) (local.get $v3))))
  ;; A 16-bit inner product (CoreMark's matrix multiply).
  (func $dot16 (export "dot16") (param $a i32) (param $b i32) (param $n i32) (result i32)
    (local $sum i32)
    (loop $again
      (local.set $sum
        (i32.add (local.get $sum)
          (i32.mul (i32.load16_s (local.get $a)) (i32.load16_s (local.get $b)))))
      (local.set $a (i32.add (local.get $a) (i32.const 2)))
      (local.set $b (i32.add (local.get $b) (i32.const 2)))
      (local.set $n (i32.add (local.get $n) (i32.const -1)))
      (br_if $again (local.get $n)))
    (local.get $sum))
  ;; The sieve's marking loop (shootout sieve), a run that branches back to its own
  ;; start, so its handler loops without dispatching: clears every `step`th byte of
  ;; [60000, 68000) from `60000 + start` (memory ends at 65536, so a step that lands
  ;; past it traps inside the loop), then counts the bytes of [60000, 65536) still set.
  (func $mark (export "mark") (param $start i32) (param $step i32) (result i32)
    (local $k i32) (local $ones i32)
    (memory.fill (i32.const 60000) (i32.const 1) (i32.const 5536))
    (local.set $k (local.get $start))
    (loop $again
      (i32.store8 (i32.add (local.get $k) (i32.const 60000)) (i32.const 0))
      (br_if $again
        (i32.lt_u (local.tee $k (i32.add (local.get $k) (local.get $step))) (i32.const 8000))))
    (local.set $k (i32.const 60000))
    (loop $count
      (local.set $ones (i32.add (local.get $ones) (i32.load8_u (local.get $k))))
      (br_if $count
        (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 1))) (i32.const 65536))))
    (local.get $ones))
  ;; ChaCha's quarter round as clang writes it (xchacha20): pairs that take the slot the
  ;; op before wrote from a register (build.rs FORWARDED); each pair reads that slot and
  ;; one it did not write.
  (func $quarter (export "quarter") (param $a i32) (param $b i32) (param $c i32) (param $d i32) (result i32)
    (local.set $a (i32.add (local.get $a) (local.get $b)))
    (local.set $d (i32.rotl (i32.xor (local.get $d) (local.get $a)) (i32.const 16)))
    (local.set $c (i32.add (local.get $c) (local.get $d)))
    (local.set $b (i32.rotl (i32.xor (local.get $b) (local.get $c)) (i32.const 12)))
    (local.set $a (i32.add (local.get $a) (local.get $b)))
    (local.set $d (i32.rotl (i32.xor (local.get $d) (local.get $a)) (i32.const 8)))
    (local.set $c (i32.add (local.get $c) (local.get $d)))
    (local.set $b (i32.rotl (i32.xor (local.get $b) (local.get $c)) (i32.const 7)))
    (i32.add
      (i32.xor (local.get $a) (i32.rotl (local.get $b) (i32.const 8)))
      (i32.xor (local.get $c) (i32.rotl (local.get $d) (i32.const 24)))))
  ;; A counted loop: the counter's step and its test form a run that keeps the counter in
  ;; a register (build.rs BOUND_RUNS); the slot is written through, so the sum after the
  ;; loop reads it.
  (func $countdown (export "countdown") (param $n i32) (result i32) (local $sum i32)
    (loop $again
      (local.set $sum (i32.xor (local.get $sum) (local.get $n)))
      (local.set $n (i32.add (local.get $n) (i32.const -1)))
      (br_if $again (local.get $n)))
    (i32.add (local.get $sum) (local.get $n)))
)
