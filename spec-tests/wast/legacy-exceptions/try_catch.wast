;; The legacy exception instructions (try, catch, catch_all, rethrow, delegate) that
;; toolchains still emit. Written for this runtime: the pinned suite has no legacy set.

(module $thrower
  (tag $e (export "e") (param i32))
  (func (export "throw") (param i32) (throw $e (local.get 0)))
)
(register "thrower" $thrower)

(module
  (tag $imported (import "thrower" "e") (param i32))
  (func $throw-imported (import "thrower" "throw") (param i32))
  (tag $e0)
  (tag $e1 (param i32))
  (tag $e2 (param i64 f32 f64))

  (func $throw-e1 (param i32) (throw $e1 (local.get 0)))
  (func $maybe-throw (param i32) (result i32)
    (if (local.get 0) (then (throw $e1 (local.get 0))))
    (i32.const 0))

  ;; The payload reaches the clause; the body's result when nothing is thrown. (The
  ;; text parser folds no legacy `try`, so the bodies are written flat.)
  (func (export "catch-payload") (param i32) (result i32)
    try (result i32)
      (call $maybe-throw (local.get 0)) (i32.const 100) (i32.add)
    catch $e1
      (i32.const 1000) (i32.add)
    end)

  ;; Clauses are tried in order; catch_all takes what no tag clause does.
  (func (export "clauses") (param i32) (result i32)
    try (result i32)
      (if (i32.eq (local.get 0) (i32.const 0)) (then (throw $e0)))
      (if (i32.eq (local.get 0) (i32.const 1)) (then (throw $e1 (i32.const 7))))
      (if (i32.eq (local.get 0) (i32.const 2))
        (then (throw $e2 (i64.const 5) (f32.const 1.5) (f64.const 2.25))))
      (i32.const -1)
    catch $e0
      (i32.const 10)
    catch $e1
      (i32.const 20) (i32.add)
    catch_all
      (i32.const 30)
    end)

  (func (export "multi-value-payload") (result i64 f32 f64)
    try (result i64 f32 f64)
      (throw $e2 (i64.const -3) (f32.const 0.5) (f64.const -8))
    catch $e2
    end)

  ;; An exception no clause matches goes on to the enclosing try.
  (func (export "no-match-goes-out") (result i32)
    try (result i32)
      try (result i32)
        (throw $e1 (i32.const 3))
      catch $e0
        (i32.const -1)
      end
    catch $e1
      (i32.const 40) (i32.add)
    end)

  ;; rethrow of the innermost clause, and of an outer one from a nested clause.
  (func (export "rethrow-0") (result i32)
    try (result i32)
      try (result i32)
        (throw $e1 (i32.const 5))
      catch $e1
        (drop) (rethrow 0)
      end
    catch $e1
    end)
  (func (export "rethrow-1") (result i32)
    try (result i32)
      try (result i32)
        (throw $e1 (i32.const 6))
      catch $e1
        (drop)
        try (result i32)
          (throw $e0)
        catch $e0
          (rethrow 1)
        end
      end
    catch $e1
      (i32.const 100) (i32.add)
    end)
  (func (export "rethrow-catch-all") (result i32)
    try (result i32)
      try
        (throw $e1 (i32.const 9))
      catch_all
        (rethrow 0)
      end
      (i32.const 0)
    catch $e1
    end)

  ;; delegate: to an enclosing try's clauses (skipping a block between), and to the
  ;; caller (the function's label).
  (func (export "delegate-outer") (result i32)
    try (result i32)
      block $b
        try
          try
            (throw $e1 (i32.const 11))
          delegate $b
        catch_all
        end
      end
      (i32.const 0)
    catch $e1
      (i32.const 200) (i32.add)
    end)
  (func $delegate-to-caller
    try
      (throw $e1 (i32.const 12))
    delegate 0)
  (func (export "delegate-caller") (result i32)
    try (result i32)
      (call $delegate-to-caller) (i32.const 0)
    catch $e1
      (i32.const 300) (i32.add)
    end)
  ;; A try without clauses passes exceptions on.
  (func (export "try-without-clauses") (result i32)
    try (result i32)
      try
        (throw $e1 (i32.const 13))
      end
      (i32.const 0)
    catch $e1
    end)

  ;; Exceptions from a callee, from another instance, and with parameters on the block.
  (func (export "from-callee") (param i32) (result i32)
    try (result i32)
      (call $throw-e1 (local.get 0)) (i32.const 0)
    catch $e1
      (i32.const 1) (i32.add)
    end)
  (func (export "from-import") (param i32) (result i32)
    try (result i32)
      (call $throw-imported (local.get 0)) (i32.const 0)
    catch $imported
      (i32.const 2) (i32.mul)
    end)
  (func (export "block-params") (param i32) (result i32)
    (local.get 0)
    try (param i32) (result i32)
      (throw $e1)
    catch $e1
      (i32.const 3) (i32.mul)
    end)

  ;; A throw caught on every iteration of a loop, and a local kept across the catch.
  (func (export "loop-catch") (param i32) (result i32)
    (local $sum i32)
    (loop $l
      try
        (throw $e1 (local.get 0))
      catch $e1
        (local.get $sum) (i32.add) (local.set $sum)
      end
      (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))
      (br_if $l))
    (local.get $sum))

  ;; A try_table clause catches what a legacy throw raised, and the other way round.
  (func (export "mixed") (result i32)
    (block $h (result i32)
      (try_table (catch $e1 $h)
        try
          (call $throw-e1 (i32.const 21))
        catch $e0
        end)
      (i32.const 0)))
  (func (export "mixed-ref") (result i32)
    try (result i32)
      (block $h (result exnref)
        (try_table (catch_all_ref $h) (throw $e1 (i32.const 22)))
        (unreachable))
      (throw_ref)
    catch $e1
    end)

  (func (export "uncaught")
    try
      (throw $e1 (i32.const 1))
    catch $e0
    end)
  (func (export "trap-not-caught") (result i32)
    try (result i32)
      (unreachable)
    catch_all
      (i32.const 1)
    end)
)

(assert_return (invoke "catch-payload" (i32.const 0)) (i32.const 100))
(assert_return (invoke "catch-payload" (i32.const 5)) (i32.const 1005))
(assert_return (invoke "clauses" (i32.const 0)) (i32.const 10))
(assert_return (invoke "clauses" (i32.const 1)) (i32.const 27))
(assert_return (invoke "clauses" (i32.const 2)) (i32.const 30))
(assert_return (invoke "clauses" (i32.const 3)) (i32.const -1))
(assert_return (invoke "multi-value-payload") (i64.const -3) (f32.const 0.5) (f64.const -8))
(assert_return (invoke "no-match-goes-out") (i32.const 43))
(assert_return (invoke "rethrow-0") (i32.const 5))
(assert_return (invoke "rethrow-1") (i32.const 106))
(assert_return (invoke "rethrow-catch-all") (i32.const 9))
(assert_return (invoke "delegate-outer") (i32.const 211))
(assert_return (invoke "delegate-caller") (i32.const 312))
(assert_return (invoke "try-without-clauses") (i32.const 13))
(assert_return (invoke "from-callee" (i32.const 8)) (i32.const 9))
(assert_return (invoke "from-import" (i32.const 8)) (i32.const 16))
(assert_return (invoke "block-params" (i32.const 4)) (i32.const 12))
(assert_return (invoke "loop-catch" (i32.const 100)) (i32.const 5050))
(assert_return (invoke "mixed") (i32.const 21))
(assert_return (invoke "mixed-ref") (i32.const 22))
(assert_exception (invoke "uncaught"))
(assert_trap (invoke "trap-not-caught") "unreachable")
