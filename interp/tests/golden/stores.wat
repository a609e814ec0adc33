;; A constant value is the store's immediate (no copy to a temporary first), at a slot
;; address or the accumulator's, in every width; a 64-bit constant takes two words.
(module
  (memory 1)
  (func $fill (param $p i32)
    (i32.store8 (local.get $p) (i32.const 0x1ff))
    (i32.store16 offset=2 (local.get $p) (i32.const -2))
    (i32.store offset=4 (i32.add (local.get $p) (i32.const 4)) (i32.const 0x12345678))
    (i64.store offset=16 (local.get $p) (i64.const 0x0123456789abcdef))
    (i64.store32 offset=24 (local.get $p) (i64.const -1))
    (f32.store offset=28 (local.get $p) (f32.const 1.5))
    (f64.store offset=32 (i32.add (local.get $p) (i32.const 0)) (f64.const -2.25)))
  (func $fill_and_read (export "fill_and_read") (param $p i32) (param $at i32) (result i64)
    (call $fill (local.get $p))
    (i64.load (i32.add (local.get $p) (local.get $at))))
)
