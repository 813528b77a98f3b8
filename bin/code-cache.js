// Requiring the bundled CLI (dist/cli.cjs) through V8's code cache. Compiling its 430 kB is
// the largest part of the command's start-up after Node's own (a no-op rebuild is mostly
// start-up, issue 15); with the cache, V8 deserializes the functions the last build ran
// instead of parsing and compiling them again. Node 22's module.enableCompileCache does the
// same for every module; Node 20 has only vm.Script's cachedData, so this is that, for one file.
//
// The cache lives beside the installed package, in the node_modules/.cache that holds it
// (a checkout's own node_modules/.cache otherwise): only whoever can change the package's
// code can change it. Its name carries a hash of the bundle's bytes, Node's version and the
// architecture, because V8 checks only the source's length before trusting a cache; its first
// 32 bytes are the SHA-256 of the rest, because V8 (in a release build) does not checksum it:
// a damaged cache is compiled around, never run.
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import vm from 'node:vm'

const PREFIX = 'cli-'
const SUFFIX = '.v8'

/**
 * The CommonJS module `file`, compiled with its cache when there is a valid one (`cache`:
 * 'used', 'rejected' or 'none'). `keep()` writes the cache after a run that compiled the
 * code a build needs (the caller decides) when there was none or V8 rejected it (another
 * V8, other flags); it never throws.
 */
export function requireCached(file) {
  const source = fs.readFileSync(file, 'utf8')
  const dir = cacheDir(file)
  const cacheFile = path.join(dir, `${PREFIX}${createHash('sha256').update(`${process.version}\0${process.arch}\0`).update(source).digest('hex').slice(0, 32)}${SUFFIX}`)
  const kept = readIfAny(cacheFile)
  const cachedData = kept && intact(kept)
  // The same wrapper as Node's CommonJS loader, on the source's first line: line numbers in stacks stay the file's.
  // No import() in it (src/import-module.ts): Node 20 loses a cached function's import() callback.
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: file, cachedData })
  const module = { exports: {} }
  script.runInThisContext()(module.exports, createRequire(file), module, file, path.dirname(file))
  return {
    exports: module.exports,
    cache: !kept ? 'none' : !cachedData || script.cachedDataRejected ? 'rejected' : 'used',
    file: cacheFile,
    keep() {
      if (cachedData && !script.cachedDataRejected) return
      try {
        const data = script.createCachedData()
        writeAtomic(cacheFile, Buffer.concat([sha256(data), data]))
        removeOthers(dir, path.basename(cacheFile))
      } catch {
        // A read-only install, a full disk: the next run compiles again, as without a cache.
      }
    },
  }
}

function cacheDir(file) {
  const pkg = path.dirname(path.dirname(file))
  const parent = path.dirname(pkg)
  return path.join(path.basename(parent) === 'node_modules' ? parent : path.join(pkg, 'node_modules'), '.cache', 'kiln-assets')
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest()

/** The cache data after its checksum, or undefined when the checksum does not match. */
function intact(kept) {
  const data = kept.subarray(32)
  return kept.length > 32 && sha256(data).equals(kept.subarray(0, 32)) ? data : undefined
}

function readIfAny(file) {
  try {
    return fs.readFileSync(file)
  } catch {
    return undefined
  }
}

/** Temp file, fsync, rename: a reader finds the whole cache or none (and the checksum turns away a damaged one). */
function writeAtomic(file, data) {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  const temp = `${file}.${process.pid}.tmp`
  try {
    const fd = fs.openSync(temp, 'w')
    try {
      fs.writeSync(fd, data)
      fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
    fs.renameSync(temp, file)
  } catch (err) {
    fs.rmSync(temp, { force: true })
    throw err
  }
}

/** Caches of other bundles or Node versions (an upgrade's leftovers); only names this file makes. */
function removeOthers(dir, kept) {
  for (const name of fs.readdirSync(dir)) {
    if (name !== kept && name.startsWith(PREFIX) && name.endsWith(SUFFIX) && /^[0-9a-f]{32}$/.test(name.slice(PREFIX.length, -SUFFIX.length))) fs.rmSync(path.join(dir, name), { force: true })
  }
}
