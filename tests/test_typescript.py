"""TypeScript modules: types stripped in Rust, errors pointing at the TypeScript source."""

import pytest

import workerbox as wb

SHAPES = """import type { Unit } from './units.ts'
export interface Shape { area(): number }
export enum Kind { Circle = 'circle', Square = 'square' }
export class Square implements Shape {
  constructor(private readonly side: number) {}
  area(): number { return this.side ** 2 }
}
export function describe<T extends Shape>(s: T, unit: Unit = 'm'): string {
  return `${s.area()} ${unit}2`
}
export const defaults = { kind: Kind.Square } satisfies Record<string, Kind>
"""

MAIN = """import { Square, describe, defaults } from './shapes.ts'

type Box = { n: number }

export default {
  run(n: number): string[] {
    const b: Box = { n }
    return [describe(new Square(b.n)), defaults.kind]
  },
  fail(): never {
    const why: string = 'typed failure'
    throw new RangeError(why)
  },
}
"""


def test_typescript_modules_run(loader):
    modules = {"main.ts": MAIN, "shapes.ts": SHAPES, "units.ts": {"ts": "export type Unit = 'm' | 'cm'"}}
    with loader.load(main_module="main.ts", modules=modules) as w:
        assert w.get_entrypoint().run(3) == ["9 m2", "square"]


def test_errors_point_at_the_typescript_line_and_column(loader):
    with loader.load(main_module="main.ts", modules={"main.ts": MAIN, "shapes.ts": SHAPES, "units.ts": {"ts": ""}}) as w:
        with pytest.raises(wb.JSError) as info:
            w.get_entrypoint().fail()
    assert info.value.name == "RangeError"
    assert "main.ts:12:" in info.value.stack, info.value.stack


def test_typescript_syntax_error_has_the_typescript_position(loader):
    with pytest.raises(wb.JSError) as info:
        loader.load(main_module="bad.ts", modules={"bad.ts": "const ok: number = 1\nconst broken: = 2\n"})
    assert info.value.name == "SyntaxError"
    assert "bad.ts:2:" in info.value.stack
