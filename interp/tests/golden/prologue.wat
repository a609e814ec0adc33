;; Declared locals start at zero. The callee zeroes those it may read before writing
;; them (`src/prologue.rs`); a local written first in the straight-line prefix is not
;; zeroed, and the call handlers zero nothing.
(module
  ;; Both locals are written before any read: no prologue.
  (func $written_first (param $n i32) (result i32) (local $a i32) (local $b i64)
    (local.set $a (i32.add (local.get $n) (i32.const 1)))
    (local.set $b (i64.extend_i32_u (local.get $a)))
    (i32.wrap_i64 (i64.add (local.get $b) (i64.extend_i32_u (local.get $a)))))
  ;; Three adjacent locals read first: one `zero_slots` for the run.
  (func $read_first (param $n i32) (result i64) (local $a i64) (local $b i64) (local $c i64)
    (i64.add (i64.add (local.get $a) (local.get $b)) (local.get $c)))
  ;; A write after the first block does not count (it may be branched over); the
  ;; local written before the block is not zeroed.
  (func $inside_a_block (param $n i32) (result i32) (local $early i32) (local $late i32)
    (local.set $early (local.get $n))
    (block $skip
      (br_if $skip (local.get $n))
      (local.set $late (i32.const 7)))
    (i32.add (local.get $early) (local.get $late)))
)
