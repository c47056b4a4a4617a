// What is installed on the simulated switch: its phones, its trunk to the departments and its
// sound files. Built from the same site description the generated switch configuration comes
// from (src/switch-config/) and the prompts `npm run prompts` builds, so the simulator refuses
// what the installed switch would: a sound that is not there, a phone the directory lacks or
// that has not registered, a gateway or trunk that does not exist.

import { type SwitchSite, PROMPT_LANGUAGE, SIP_PROFILE } from '../../switch-config/site.js'

export interface SimInstall {
  /** FreeSWITCH directory users / Asterisk PJSIP endpoints of the agents' phones. */
  readonly phones: ReadonlySet<string>
  /** FreeSWITCH: the SIP profile, and its gateway to the departments. */
  readonly profile: string
  readonly gateway: string
  /** Asterisk: the PJSIP trunk endpoints to the departments. */
  readonly trunks: readonly string[]
  /** Asterisk: the endpoints' language, under which sounds are looked up. */
  readonly language: string
  /** Asterisk's sound ids (`hotline12345/welcome`), in the prompt language's folder. */
  readonly sounds: readonly string[]
  /** Whether a medium can be played: a file (FreeSWITCH) or a `sound:` id (Asterisk). */
  hasMedia(media: string): boolean
  /**
   * FreeSWITCH: the apps the dialplan runs on a call to the hotline before its `park`, each
   * reported in a CHANNEL_EXECUTE_COMPLETE ahead of CHANNEL_PARK (12_transfer_hunt_setup: set,
   * export, set, then the park); an `arg` given as a function is worked out as the app runs
   * (`${strftime(…)}`). None when absent (captures 00–11: the park alone).
   */
  readonly dialplanApps?: ReadonlyArray<{ readonly name: string, readonly arg: string | (() => string) }>
  /**
   * FreeSWITCH: the callers' SIP profile negotiates media only when a call is answered (sofia
   * `inbound-late-negotiation`), so the answer marks early media first and CHANNEL_ANSWER reads
   * Channel-Call-State EARLY (12_transfer_hunt_setup's `external` profile; 02 and the generated
   * profile negotiate on the INVITE: RINGING).
   */
  readonly lateNegotiation?: boolean
}

/** Generated media both switches always have (FreeSWITCH's silence and tone generators, ARI tones). */
export const isGeneratedMedia = (media: string): boolean =>
  media.startsWith('silence_stream://') || media.startsWith('tone_stream://') || media.startsWith('tone:')

/** The switch the generated configuration describes, with these prompts built and installed. */
export function installFromSite (site: SwitchSite, promptIds: Iterable<string>): SimInstall {
  const media = new Set<string>()
  const sounds: string[] = []
  for (const id of promptIds) {
    sounds.push(`${site.asterisk.soundFolder}/${id}`)
    media.add(`${site.freeswitch.soundDir}${id}.wav`)
    media.add(`sound:${site.asterisk.soundFolder}/${id}`)
  }
  return {
    phones: new Set(site.phones.map((p) => p.extension)),
    profile: SIP_PROFILE,
    gateway: site.freeswitch.gateway,
    trunks: [site.asterisk.trunk],
    language: PROMPT_LANGUAGE,
    sounds,
    hasMedia: (m) => isGeneratedMedia(m) || media.has(m),
    // The hotline extension the generator writes (src/switch-config/freeswitch.ts, dialplan()).
    dialplanApps: [{ name: 'set', arg: 'hotline_line=enterprise-seat' }]
  }
}

/** The same install without some of its sounds: a prompt file deleted, or never built. */
export function withoutMedia (install: SimInstall, missing: (media: string) => boolean): SimInstall {
  return {
    ...install,
    sounds: install.sounds.filter((id) => !missing(`sound:${id}`)),
    hasMedia: (m) => !missing(m) && install.hasMedia(m)
  }
}
