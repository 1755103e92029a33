// Where hashagent lives on a board in service mode, and the sh scripts that change it. The
// payload runs from tmpfs at /run/hashagent (a path compiled into its relocated libnode, see
// scripts/image/build.mjs); the board keeps only the compressed payload, the config and a note of
// the miner it replaced. Every step that touches the stock miner is one script, so the miner's
// stop and the agent's start are one round trip apart at most (the S9 PIC's ~10 s heartbeat window).
import { shq } from './ssh.js';
import type { InitSystem } from './probe.js';

export const RUNTIME = '/run/hashagent';
export const STAGING = '/run/hashagent.new';
export const STORE = '/opt/hashagent';
export const STORED_PAYLOAD = `${STORE}/payload.tar.xz`;
/** Which stock miner the flash stopped ('' when none); its presence means "installed". */
export const ORIGINAL_MINER = `${STORE}/original-miner`;
export const CONFIG = '/etc/hashagent/agent.toml';
export const PINNED_KEY = '/etc/hashagent/image.pub';
export const LOG = '/run/hashagent.log';
const INITD = '/etc/init.d/hashagent';
const UNIT = '/etc/systemd/system/hashagent.service';

/** Prints the stored payload's SHA-256 (empty when none), so an unchanged payload is not sent again. */
export const storedDigest = `[ -f ${STORED_PAYLOAD} ] && sha256sum ${STORED_PAYLOAD} | cut -d' ' -f1; true`;

/** Unpacks the stored payload beside the running one. */
export const unpackStaging = `rm -rf ${STAGING} && mkdir -p ${STAGING} && xz -dc ${STORED_PAYLOAD} | tar -x -C ${STAGING}`;

/**
 * The payload's own verifier on the board, against the key pinned there (the first flash pins the
 * operator's key). It runs from the staging folder, but Debian's Node loads a few builtins from
 * /run/hashagent/js (compiled into the payload's libnode): on a first install, where that folder
 * does not exist yet, it points at the staged one for the check.
 */
export function verifyStaging(publicKeyHex: string): string {
  return [
    `if [ -f ${PINNED_KEY} ]; then key=${PINNED_KEY}; else key=${shq(publicKeyHex)}; fi`,
    `link=; if [ ! -e ${RUNTIME}/js ]; then mkdir -p ${RUNTIME} && ln -s ${STAGING}/js ${RUNTIME}/js && link=1; fi`,
    `${STAGING}/bin/hashagent image verify ${STAGING} --pubkey "$key"; rc=$?`,
    `[ -n "$link" ] && rm -f ${RUNTIME}/js`,
    `if [ $rc -eq 0 ]; then`,
    `  [ -f ${PINNED_KEY} ] || { mkdir -p /etc/hashagent && echo ${shq(publicKeyHex)} > ${PINNED_KEY}; }`,
    `else rm -rf ${STAGING}; fi`,
    'exit $rc',
  ].join('\n');
}

const uptime = 'cut -d" " -f1 /proc/uptime';

/** Where the stock miner's boot links are kept while hashagent replaces it (restored on rollback). */
export const DISABLED_LINKS = `${STORE}/disabled-boot-links`;
/** The boot-order folders of SysV init (stock Bitmain images) and OpenWrt (/etc/rc.d, Braiins OS). */
const RC_DIRS = '/etc/rc.d /etc/rcS.d /etc/rc2.d /etc/rc3.d /etc/rc4.d /etc/rc5.d';

/**
 * Makes the board start hashagent at boot instead of the stock miner (kept installed): the
 * miner's start links are moved aside, hashagent's added (its init script unpacks the stored
 * payload into tmpfs on the first start after a boot), and a stop link makes a halt or reboot
 * power the hashboards down. Prints `boot=` with where it was enabled.
 */
export function enableAtBoot(init: InitSystem, miner: string | null): string[] {
  // Past the agent's start: nothing here may abort the takeover (set -e is off).
  if (init === 'systemd') {
    return [
      'set +e',
      ...(miner ? [`systemctl disable ${shq(miner)} >/dev/null 2>&1 && echo ${shq(miner)} > ${DISABLED_LINKS}.systemd`] : []),
      'systemctl enable hashagent >/dev/null 2>&1 && echo "boot=systemd"',
      'true',
    ];
  }
  // Moves the miner's start links found by a glob (none matched: the glob stays as it is).
  const moveAside = (glob: string) => `for l in ${glob}; do if [ -e "$l" ] || [ -L "$l" ]; then mkdir -p "${DISABLED_LINKS}\${l%/*}" && mv "$l" "${DISABLED_LINKS}\${l%/*}/"; fi; done`;
  return [
    'set +e',
    `for d in ${RC_DIRS}; do`,
    '  [ -d "$d" ] || continue',
    ...(miner ? [`  ${moveAside(`"$d"/S*${shq(miner)}`)}`] : []),
    '  ln -sf ../init.d/hashagent "$d/S99hashagent" && echo "boot=$d"',
    'done',
    'for d in /etc/rc0.d /etc/rc6.d; do [ -d "$d" ] && ln -sf ../init.d/hashagent "$d/K01hashagent"; done',
    // buildroot-style busybox init: /etc/init.d/rcS runs /etc/init.d/S??* in order.
    `if grep -q 'S??' /etc/init.d/rcS 2>/dev/null; then`,
    ...(miner ? [`  ${moveAside(`/etc/init.d/S??*${shq(miner)}`)}`] : []),
    '  ln -sf hashagent /etc/init.d/S99hashagent && echo "boot=/etc/init.d"',
    'fi',
    'true',
  ];
}

/** Undoes enableAtBoot: hashagent's links removed, the stock miner's put back where they were. */
export function disableAtBoot(init: InitSystem): string[] {
  if (init === 'systemd') {
    return [
      'systemctl disable hashagent >/dev/null 2>&1 || true',
      `if [ -f ${DISABLED_LINKS}.systemd ]; then systemctl enable "$(cat ${DISABLED_LINKS}.systemd)" >/dev/null 2>&1 || true; rm -f ${DISABLED_LINKS}.systemd; fi`,
    ];
  }
  return [
    `for d in ${RC_DIRS} /etc/rc0.d /etc/rc6.d /etc/init.d; do rm -f "$d/S99hashagent" "$d/K01hashagent"; done`,
    `if [ -d ${DISABLED_LINKS} ]; then (cd ${DISABLED_LINKS} && find . ! -type d) | while read -r p; do mv "${DISABLED_LINKS}/$p" "/$p"; done; rm -rf ${DISABLED_LINKS}; fi`,
  ];
}

function serviceCmd(init: InitSystem, action: 'start' | 'stop' | 'reload'): string {
  if (init === 'systemd') return `systemctl ${action} hashagent`;
  // Output to the log: started over SSH, the agent must not hold the channel open.
  return `${INITD} ${action} >> ${LOG} 2>&1 </dev/null`;
}

/**
 * Stops the previous agent and the stock miner (kept installed), swaps the staged payload in,
 * installs the service for the board's init system and starts it. Prints `stopped=` and `started=`
 * (seconds of uptime) so the caller reports the gap the hashboards saw without a controller.
 */
export function takeover(init: InitSystem, miner: string | null): string {
  // The init script on every init system: systemd's unit runs its `prepare` (the payload into
  // tmpfs after a boot) before the agent.
  const installService = [
    `mkdir -p /etc/init.d && cp ${RUNTIME}/etc/init.d/hashagent ${INITD} && chmod 755 ${INITD}`,
    ...(init === 'systemd' ? [`cp ${RUNTIME}/etc/systemd/system/hashagent.service ${UNIT} && systemctl daemon-reload`] : []),
  ].join('\n');
  return [
    'set -e',
    `[ -f ${ORIGINAL_MINER} ] || echo ${shq(miner ?? '')} > ${ORIGINAL_MINER}`,
    `if [ -x ${INITD} ] || [ -f ${UNIT} ]; then ${serviceCmd(init, 'stop')} || true; fi`,
    ...(miner ? [`/etc/init.d/${miner} stop >/dev/null 2>&1 || true`] : []),
    `echo "stopped=$(${uptime})"`,
    `rm -rf ${RUNTIME}.old; if [ -d ${RUNTIME} ]; then mv ${RUNTIME} ${RUNTIME}.old; fi; mv ${STAGING} ${RUNTIME}`,
    installService,
    serviceCmd(init, 'start'),
    `echo "started=$(${uptime})"`,
    `rm -rf ${RUNTIME}.old`,
    // Only once the new agent runs: boot order changes are the slow, non-urgent part.
    ...enableAtBoot(init, miner),
  ].join('\n');
}

/** True (exit 0) while the agent's process lives. */
export const agentAlive = `pid=$(cat /run/hashagent.pid 2>/dev/null) && kill -0 "$pid" 2>/dev/null || systemctl is-active --quiet hashagent 2>/dev/null`;

export const reloadAgent = (init: InitSystem) => serviceCmd(init, 'reload');

export const logTail = `tail -n 20 ${LOG} 2>/dev/null; true`;

/**
 * Undoes a takeover: the agent stopped, its service and runtime removed, the stock miner started
 * again. `everything` (--restore) also removes the stored payload, the config and the pinned key.
 */
export function rollback(init: InitSystem, everything: boolean): string {
  return [
    `miner=$(cat ${ORIGINAL_MINER} 2>/dev/null || true)`,
    `if [ -x ${INITD} ] || [ -f ${UNIT} ]; then ${serviceCmd(init, 'stop')} || true; fi`,
    ...disableAtBoot(init),
    ...(init === 'systemd' ? [`rm -f ${UNIT}; systemctl daemon-reload || true`] : []),
    `rm -f ${INITD}`,
    `rm -rf ${RUNTIME} ${STAGING} ${RUNTIME}.old /run/hashagent.pid ${ORIGINAL_MINER}`,
    ...(everything ? [`rm -rf ${STORE} /etc/hashagent ${LOG}`] : []),
    'if [ -n "$miner" ] && [ -x "/etc/init.d/$miner" ]; then "/etc/init.d/$miner" start >/dev/null 2>&1 </dev/null; echo "restarted=$miner"; fi',
    'true',
  ].join('\n');
}
