;; Jump threading: a loop around a switch on a state local. Each case sets the next state
;; and branches back to the loop's head; the translator gives each such branch a copy of
;; the head that ends in a `br` to the next state's case instead of the `br_table`.
(module
  (memory (export "memory") 1)
  (data (i32.const 0) "12 ab 345 c6\00")
  ;; Counts the runs of digits in the zero-terminated string at $p: state 0 outside a
  ;; number, 1 inside one.
  (func $numbers (export "numbers") (param $p i32) (result i32)
    (local $state i32) (local $c i32) (local $count i32)
    (block $done
      (loop $next
        (local.set $c (i32.load8_u (local.get $p)))
        (br_if $done (i32.eqz (local.get $c)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (block $inside
          (block $outside
            (br_table $outside $inside (local.get $state)))
          ;; Outside a number: a digit starts one.
          (if (i32.lt_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 10))
            (then
              (local.set $count (i32.add (local.get $count) (i32.const 1)))
              (local.set $state (i32.const 1))
              (br $next)))
          (local.set $state (i32.const 0))
          (br $next))
        ;; Inside a number: anything but a digit ends it.
        (local.set $state (i32.const 0))
        (br_if $next (i32.ge_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 10)))
        (local.set $state (i32.const 1))
        (br $next)))
    (local.get $count)))
