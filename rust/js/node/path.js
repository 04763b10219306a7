// node:path (and node:path/posix): Node's POSIX path functions, as workerd offers them. There is
// no working directory in a worker: `resolve` resolves against "/", as workerd's does.
(function (ops, hooks) {
  "use strict";
  const {
    ArrayPrototypeJoin, ObjectFreeze, SafeArrayPush, StringPrototypeCharCodeAt, StringPrototypeLastIndexOf,
    StringPrototypeSlice, TypeError,
  } = hooks.primordials;

  const SLASH = 47;
  const DOT = 46;

  // Node's coded errors, defined rather than assigned (a tenant's setter never runs).
  const { validateObject, validateString: checkString } = hooks.node;

  // Resolves `.` and `..` segments of a path without its leading slash; `..` stays where it
  // cannot climb (relative paths), unless `absolute`.
  function normalizeString(path, allowAboveRoot) {
    let res = "";
    let lastSegmentLength = 0;
    let lastSlash = -1;
    let dots = 0;
    let code = 0;
    for (let i = 0; i <= path.length; ++i) {
      if (i < path.length) code = StringPrototypeCharCodeAt(path, i);
      else if (code === SLASH) break;
      else code = SLASH;
      if (code === SLASH) {
        if (lastSlash === i - 1 || dots === 1) {
          // An empty or `.` segment.
        } else if (dots === 2) {
          if (res.length < 2 || lastSegmentLength !== 2 || StringPrototypeCharCodeAt(res, res.length - 1) !== DOT ||
            StringPrototypeCharCodeAt(res, res.length - 2) !== DOT) {
            if (res.length > 2) {
              const lastSlashIndex = StringPrototypeLastIndexOf(res, "/");
              if (lastSlashIndex === -1) {
                res = "";
                lastSegmentLength = 0;
              } else {
                res = StringPrototypeSlice(res, 0, lastSlashIndex);
                lastSegmentLength = res.length - 1 - StringPrototypeLastIndexOf(res, "/");
              }
              lastSlash = i;
              dots = 0;
              continue;
            } else if (res.length !== 0) {
              res = "";
              lastSegmentLength = 0;
              lastSlash = i;
              dots = 0;
              continue;
            }
          }
          if (allowAboveRoot) {
            res += res.length > 0 ? "/.." : "..";
            lastSegmentLength = 2;
          }
        } else {
          const segment = StringPrototypeSlice(path, lastSlash + 1, i);
          res = res.length > 0 ? `${res}/${segment}` : segment;
          lastSegmentLength = i - lastSlash - 1;
        }
        lastSlash = i;
        dots = 0;
      } else if (code === DOT && dots !== -1) {
        ++dots;
      } else {
        dots = -1;
      }
    }
    return res;
  }

  function isAbsolute(path) {
    checkString(path, "path");
    return path.length > 0 && StringPrototypeCharCodeAt(path, 0) === SLASH;
  }

  function resolve(...args) {
    let resolved = "";
    let absolute = false;
    for (let i = args.length - 1; i >= -1 && !absolute; i--) {
      const path = i >= 0 ? args[i] : "/";
      checkString(path, `paths[${i}]`);
      if (path.length === 0) continue;
      resolved = `${path}/${resolved}`;
      absolute = StringPrototypeCharCodeAt(path, 0) === SLASH;
    }
    resolved = normalizeString(resolved, !absolute);
    return absolute ? `/${resolved}` : resolved.length > 0 ? resolved : ".";
  }

  function normalize(path) {
    checkString(path, "path");
    if (path.length === 0) return ".";
    const absolute = StringPrototypeCharCodeAt(path, 0) === SLASH;
    const trailing = StringPrototypeCharCodeAt(path, path.length - 1) === SLASH;
    let out = normalizeString(path, !absolute);
    if (out.length === 0) {
      if (absolute) return "/";
      return trailing ? "./" : ".";
    }
    if (trailing) out += "/";
    return absolute ? `/${out}` : out;
  }

  function join(...args) {
    const parts = [];
    for (let i = 0; i < args.length; i++) {
      checkString(args[i], `paths[${i}]`);
      if (args[i].length > 0) SafeArrayPush(parts, args[i]);
    }
    return parts.length === 0 ? "." : normalize(ArrayPrototypeJoin(parts, "/"));
  }

  function relative(from, to) {
    checkString(from, "from");
    checkString(to, "to");
    if (from === to) return "";
    from = resolve(from);
    to = resolve(to);
    if (from === to) return "";
    const fromStart = 1;
    const fromEnd = from.length;
    const fromLen = fromEnd - fromStart;
    const toStart = 1;
    const toLen = to.length - toStart;
    const length = fromLen < toLen ? fromLen : toLen;
    let lastCommonSep = -1;
    let i = 0;
    for (; i < length; i++) {
      const fromCode = StringPrototypeCharCodeAt(from, fromStart + i);
      if (fromCode !== StringPrototypeCharCodeAt(to, toStart + i)) break;
      else if (fromCode === SLASH) lastCommonSep = i;
    }
    if (i === length) {
      if (toLen > length) {
        // `from` is an ancestor of `to` (or the root).
        if (StringPrototypeCharCodeAt(to, toStart + i) === SLASH) return StringPrototypeSlice(to, toStart + i + 1);
        if (i === 0) return StringPrototypeSlice(to, toStart + i);
      } else if (fromLen > length) {
        if (StringPrototypeCharCodeAt(from, fromStart + i) === SLASH) lastCommonSep = i;
        else if (i === 0) lastCommonSep = 0;
      }
    }
    let out = "";
    for (i = fromStart + lastCommonSep + 1; i <= fromEnd; ++i) {
      if (i === fromEnd || StringPrototypeCharCodeAt(from, i) === SLASH) out += out.length === 0 ? ".." : "/..";
    }
    return `${out}${StringPrototypeSlice(to, toStart + lastCommonSep)}`;
  }

  function dirname(path) {
    checkString(path, "path");
    if (path.length === 0) return ".";
    const hasRoot = StringPrototypeCharCodeAt(path, 0) === SLASH;
    let end = -1;
    let matchedSlash = true;
    for (let i = path.length - 1; i >= 1; --i) {
      if (StringPrototypeCharCodeAt(path, i) === SLASH) {
        if (!matchedSlash) {
          end = i;
          break;
        }
      } else {
        matchedSlash = false;
      }
    }
    if (end === -1) return hasRoot ? "/" : ".";
    if (hasRoot && end === 1) return "//";
    return StringPrototypeSlice(path, 0, end);
  }

  function basename(path, suffix = undefined) {
    if (suffix !== undefined) checkString(suffix, "suffix");
    checkString(path, "path");
    let start = 0;
    let end = -1;
    let matchedSlash = true;
    if (suffix !== undefined && suffix.length > 0 && suffix.length <= path.length) {
      if (suffix === path) return "";
      let extIdx = suffix.length - 1;
      let firstNonSlashEnd = -1;
      for (let i = path.length - 1; i >= 0; --i) {
        const code = StringPrototypeCharCodeAt(path, i);
        if (code === SLASH) {
          if (!matchedSlash) {
            start = i + 1;
            break;
          }
        } else {
          if (firstNonSlashEnd === -1) {
            matchedSlash = false;
            firstNonSlashEnd = i + 1;
          }
          if (extIdx >= 0) {
            if (code === StringPrototypeCharCodeAt(suffix, extIdx)) {
              if (--extIdx === -1) end = i;
            } else {
              extIdx = -1;
              end = firstNonSlashEnd;
            }
          }
        }
      }
      if (start === end) end = firstNonSlashEnd;
      else if (end === -1) end = path.length;
      return StringPrototypeSlice(path, start, end);
    }
    for (let i = path.length - 1; i >= 0; --i) {
      if (StringPrototypeCharCodeAt(path, i) === SLASH) {
        if (!matchedSlash) {
          start = i + 1;
          break;
        }
      } else if (end === -1) {
        matchedSlash = false;
        end = i + 1;
      }
    }
    return end === -1 ? "" : StringPrototypeSlice(path, start, end);
  }

  // The extension's bounds in `path` (startDot -1 when it has none), as a record: destructuring an
  // array would run the tenant's Array.prototype iterator.
  function extent(path, from) {
    let startDot = -1;
    let startPart = from;
    let end = -1;
    let matchedSlash = true;
    let preDotState = 0;
    for (let i = path.length - 1; i >= from; --i) {
      const code = StringPrototypeCharCodeAt(path, i);
      if (code === SLASH) {
        if (!matchedSlash) {
          startPart = i + 1;
          break;
        }
        continue;
      }
      if (end === -1) {
        matchedSlash = false;
        end = i + 1;
      }
      if (code === DOT) {
        if (startDot === -1) startDot = i;
        else if (preDotState !== 1) preDotState = 1;
      } else if (startDot !== -1) {
        preDotState = -1;
      }
    }
    const none = startDot === -1 || end === -1 || preDotState === 0 ||
      (preDotState === 1 && startDot === end - 1 && startDot === startPart + 1);
    return { __proto__: null, startDot: none ? -1 : startDot, end, startPart };
  }

  function extname(path) {
    checkString(path, "path");
    const bounds = extent(path, 0);
    return bounds.startDot === -1 ? "" : StringPrototypeSlice(path, bounds.startDot, bounds.end);
  }

  function parse(path) {
    checkString(path, "path");
    const out = { root: "", dir: "", base: "", ext: "", name: "" };
    if (path.length === 0) return out;
    const absolute = StringPrototypeCharCodeAt(path, 0) === SLASH;
    if (absolute) out.root = "/";
    const { startDot, end, startPart } = extent(path, absolute ? 1 : 0);
    if (end !== -1) {
      const start = startPart === 0 && absolute ? 1 : startPart;
      if (startDot === -1) {
        out.base = out.name = StringPrototypeSlice(path, start, end);
      } else {
        out.name = StringPrototypeSlice(path, start, startDot);
        out.base = StringPrototypeSlice(path, start, end);
        out.ext = StringPrototypeSlice(path, startDot, end);
      }
    }
    if (startPart > 0) out.dir = StringPrototypeSlice(path, 0, startPart - 1);
    else if (absolute) out.dir = "/";
    return out;
  }

  function format(object) {
    validateObject(object, "pathObject");
    const dir = object.dir || object.root;
    const ext = object.ext ? (StringPrototypeCharCodeAt(`${object.ext}`, 0) === DOT ? `${object.ext}` : `.${object.ext}`) : "";
    const base = object.base || `${object.name || ""}${ext}`;
    if (!dir) return base;
    return dir === object.root ? `${dir}${base}` : `${dir}/${base}`;
  }

  function toNamespacedPath(path) {
    return path;
  }

  function matchesGlob() {
    throw new TypeError("path.matchesGlob is not available in workerbox");
  }

  const posix = {
    resolve, normalize, isAbsolute, join, relative, toNamespacedPath, dirname, basename, extname, format, parse,
    matchesGlob, sep: "/", delimiter: ":", win32: null, posix: null,
  };
  posix.posix = posix;
  // A worker has no Windows paths; code that picks `path.win32` gets POSIX semantics.
  posix.win32 = posix;
  ObjectFreeze(posix);
  hooks["node:path"] = posix;
  hooks["node:path/posix"] = posix;
});
