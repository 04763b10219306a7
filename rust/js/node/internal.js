// What the node:* modules share: Node's coded errors (`error.code`, as code written for Node
// checks) and the argument checks that throw them. Sets hooks.node, never a module itself.
(function (ops, hooks) {
  "use strict";
  const {
    Error, NumberIsInteger, ObjectDefineProperty, ObjectFreeze, ObjectGetPrototypeOf, RangeError, String, StringPrototypeIncludes,
    StringPrototypeSlice, TypeError,
  } = hooks.primordials;

  // `code` is defined, not assigned: a setter the tenant put on a prototype must not run.
  function coded(Ctor, code, message) {
    const error = new Ctor(message);
    ObjectDefineProperty(error, "code", { __proto__: null, value: code, writable: true, enumerable: true, configurable: true });
    return error;
  }

  // How Node's messages show a received value.
  function received(value) {
    if (value === null || value === undefined) return ` Received ${value}`;
    if (typeof value === "function") return ` Received function ${value.name}`;
    if (typeof value === "object") {
      const ctor = ObjectGetPrototypeOf(value)?.constructor;
      return typeof ctor === "function" && ctor.name ? ` Received an instance of ${ctor.name}` : " Received an object";
    }
    let shown = typeof value === "string" ? `'${value}'` : String(value);
    if (shown.length > 28) shown = `${StringPrototypeSlice(shown, 0, 25)}...`;
    return ` Received type ${typeof value} (${shown})`;
  }

  function invalidArgType(name, expected, value) {
    const what = StringPrototypeIncludes(name, ".") ? "property" : "argument";
    return coded(TypeError, "ERR_INVALID_ARG_TYPE", `The "${name}" ${what} must be ${expected}.${received(value)}`);
  }

  function outOfRange(name, range, value) {
    return coded(RangeError, "ERR_OUT_OF_RANGE", `The value of "${name}" is out of range. It must be ${range}. Received ${String(value)}`);
  }

  function validateNumber(value, name, min = undefined, max = undefined) {
    if (typeof value !== "number") throw invalidArgType(name, "of type number", value);
    if ((min !== undefined && value < min) || (max !== undefined && value > max) || value !== value) {
      throw outOfRange(name, `${min !== undefined ? `>= ${min}` : ""}${min !== undefined && max !== undefined ? " && " : ""}${max !== undefined ? `<= ${max}` : ""}`, value);
    }
  }

  function validateInteger(value, name, min, max) {
    if (typeof value !== "number") throw invalidArgType(name, "of type number", value);
    if (!NumberIsInteger(value)) throw outOfRange(name, "an integer", value);
    if (value < min || value > max) throw outOfRange(name, `>= ${min} && <= ${max}`, value);
  }

  function validateFunction(value, name) {
    if (typeof value !== "function") throw invalidArgType(name, "of type function", value);
  }

  function validateString(value, name) {
    if (typeof value !== "string") throw invalidArgType(name, "of type string", value);
  }

  function validateObject(value, name) {
    if (value === null || typeof value !== "object") throw invalidArgType(name, "of type object", value);
  }

  hooks.node = ObjectFreeze({
    __proto__: null, coded, invalidArgType, outOfRange, validateNumber, validateInteger, validateFunction,
    validateString, validateObject, Error,
  });
});
