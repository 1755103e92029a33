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
  const installService = init === 'systemd'
    ? `cp ${RUNTIME}/etc/systemd/system/hashagent.service ${UNIT} && systemctl daemon-reload`
    : `cp ${RUNTIME}/etc/init.d/hashagent ${INITD} && chmod 755 ${INITD}`;
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
    ...(init === 'systemd' ? [`rm -f ${UNIT}; systemctl daemon-reload || true`] : [`rm -f ${INITD}`]),
    `rm -rf ${RUNTIME} ${STAGING} ${RUNTIME}.old /run/hashagent.pid ${ORIGINAL_MINER}`,
    ...(everything ? [`rm -rf ${STORE} /etc/hashagent ${LOG}`] : []),
    'if [ -n "$miner" ] && [ -x "/etc/init.d/$miner" ]; then "/etc/init.d/$miner" start >/dev/null 2>&1 </dev/null; echo "restarted=$miner"; fi',
    'true',
  ].join('\n');
}
