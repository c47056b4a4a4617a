// The data models of the simulator's ARI declarations, written from the ARI data model
// reference (docs.asterisk.org, Asterisk 22 "Asterisk REST Data Models"): the resource objects
// (Channel, Bridge, Playback, Application, AsteriskInfo) and every event the simulator sends.
// ari-client reads two things from them: an event's type must be a model of the events
// declaration (it looks the model up for every WebSocket message and stops delivering events
// when one is missing), and an event property whose type is a resource (Channel, Bridge,
// Playback) becomes an object of that resource, which needs that resource's declaration.

type Model = Record<string, unknown>

function prop (type: string, description: string, required = false, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type, description, ...(required ? { required: true } : {}), ...extra }
}

function model (id: string, description: string, properties: Record<string, unknown>, extra: Record<string, unknown> = {}): Model {
  return { id, description, ...extra, properties }
}

const values = (...list: string[]): { allowableValues: { valueType: string, values: string[] } } =>
  ({ allowableValues: { valueType: 'LIST', values: list } })

export const ASTERISK_MODELS: Record<string, Model> = {
  BuildInfo: model('BuildInfo', 'How Asterisk was built.', {
    os: prop('string', 'Operating system.', true),
    kernel: prop('string', 'Kernel version.', true),
    options: prop('string', 'Build options.', true),
    machine: prop('string', 'Machine architecture.', true),
    date: prop('string', 'When it was built.', true),
    user: prop('string', 'Who built it.', true)
  }),
  SystemInfo: model('SystemInfo', 'The running system.', {
    version: prop('string', 'Asterisk version.', true),
    entity_id: prop('string', 'Entity id (EID) of this Asterisk.', true)
  }),
  SetId: model('SetId', 'User and group Asterisk runs as.', {
    user: prop('string', 'User.', true),
    group: prop('string', 'Group.', true)
  }),
  ConfigInfo: model('ConfigInfo', 'Configuration settings.', {
    name: prop('string', 'System name.', true),
    default_language: prop('string', 'Default language.', true),
    max_channels: prop('int', 'Most channels allowed.'),
    max_open_files: prop('int', 'Most open files allowed.'),
    max_load: prop('double', 'Highest load average accepted.'),
    setid: prop('SetId', 'Run-as user and group.', true)
  }),
  StatusInfo: model('StatusInfo', 'Uptime facts.', {
    startup_time: prop('Date', 'When Asterisk started.', true),
    last_reload_time: prop('Date', 'When it last reloaded.', true)
  }),
  AsteriskInfo: model('AsteriskInfo', 'Asterisk system information.', {
    build: prop('BuildInfo', 'Build information.'),
    system: prop('SystemInfo', 'System information.'),
    config: prop('ConfigInfo', 'Configuration.'),
    status: prop('StatusInfo', 'Status.')
  }),
  AsteriskPing: model('AsteriskPing', 'Answer to a ping.', {
    asterisk_id: prop('string', 'Entity id of this Asterisk.', true),
    ping: prop('string', 'Always "pong".', true),
    timestamp: prop('string', 'When the ping was answered.', true)
  })
}

export const CHANNEL_MODELS: Record<string, Model> = {
  CallerID: model('CallerID', 'Caller identification.', {
    name: prop('string', 'Name.', true),
    number: prop('string', 'Number.', true)
  }),
  DialplanCEP: model('DialplanCEP', 'Where a channel is in the dialplan.', {
    context: prop('string', 'Context.', true),
    exten: prop('string', 'Extension.', true),
    priority: prop('long', 'Priority.', true),
    app_name: prop('string', 'Application running.', true),
    app_data: prop('string', 'Its arguments.', true)
  }),
  Channel: model('Channel', 'A channel: one leg of a call.', {
    id: prop('string', 'Unique id of the channel.', true),
    protocol_id: prop('string', 'Protocol id of the channel (the SIP Call-ID).', true),
    name: prop('string', 'Name of the channel.', true),
    state: prop('string', 'Channel state.', true,
      values('Down', 'Rsrvd', 'OffHook', 'Dialing', 'Ring', 'Ringing', 'Up', 'Busy', 'Dialing Offhook', 'Pre-ring', 'Unknown')),
    caller: prop('CallerID', 'Caller.', true),
    connected: prop('CallerID', 'Connected party.', true),
    accountcode: prop('string', 'Account code.', true),
    dialplan: prop('DialplanCEP', 'Dialplan location.', true),
    creationtime: prop('Date', 'When the channel was created.', true),
    language: prop('string', 'Default language.', true),
    channelvars: prop('object', 'Channel variables asked for in ari.conf.'),
    caller_rdnis: prop('string', 'Redirecting number.'),
    tenantid: prop('string', 'Tenant id.')
  })
}

export const BRIDGE_MODELS: Record<string, Model> = {
  Bridge: model('Bridge', 'A bridge: channels that hear each other.', {
    id: prop('string', 'Unique id of the bridge.', true),
    technology: prop('string', 'Bridging technology in use.', true),
    bridge_type: prop('string', 'Kind of bridge.', true, values('mixing', 'holding')),
    bridge_class: prop('string', 'Bridge class.', true),
    creator: prop('string', 'Who created it.', true),
    name: prop('string', 'Name given at creation.', true),
    channels: prop('List[string]', 'Ids of the channels in the bridge.', true),
    video_mode: prop('string', 'Video source selection.'),
    video_source_id: prop('string', 'Video source channel.'),
    creationtime: prop('Date', 'When the bridge was created.', true)
  })
}

export const PLAYBACK_MODELS: Record<string, Model> = {
  Playback: model('Playback', 'A media playback.', {
    id: prop('string', 'Playback id.', true),
    media_uri: prop('string', 'The medium playing.', true),
    next_media_uri: prop('string', 'The medium after it, for a list of media.'),
    target_uri: prop('string', 'What it plays to: channel:<id> or bridge:<id>.', true),
    language: prop('string', 'Language of sounds.'),
    state: prop('string', 'State.', true, values('queued', 'playing', 'continuing', 'done', 'failed'))
  })
}

export const SOUND_MODELS: Record<string, Model> = {
  FormatLangPair: model('FormatLangPair', 'A language and a format a sound exists in.', {
    language: prop('string', 'Language.', true),
    format: prop('string', 'Format.', true)
  }),
  Sound: model('Sound', 'A sound file that may be played.', {
    id: prop('string', 'Sound id.', true),
    text: prop('string', 'Text of the sound.'),
    formats: prop('List[FormatLangPair]', 'Languages and formats it exists in.', true)
  })
}

export const APPLICATION_MODELS: Record<string, Model> = {
  Application: model('Application', 'A Stasis application and what it owns.', {
    name: prop('string', 'Name.', true),
    channel_ids: prop('List[string]', 'Channels the application is subscribed to.', true),
    bridge_ids: prop('List[string]', 'Bridges the application is subscribed to.', true),
    endpoint_ids: prop('List[string]', 'Endpoints the application is subscribed to.', true),
    device_names: prop('List[string]', 'Device states the application is subscribed to.', true),
    events_allowed: prop('List[object]', 'Event filter: types let through.', true),
    events_disallowed: prop('List[object]', 'Event filter: types held back.', true)
  })
}

const channelProp = (description: string, required = true): Record<string, unknown> => prop('Channel', description, required)

/** The events the simulator sends, each extending Event. */
const EVENTS: Record<string, [string, Record<string, unknown>]> = {
  ApplicationReplaced: ['Another WebSocket took the application over.', {}],
  BridgeDestroyed: ['A bridge was destroyed.', { bridge: prop('Bridge', 'The bridge.', true) }],
  ChannelConnectedLine: ['A channel\'s connected line changed.', { channel: channelProp('The channel.') }],
  ChannelDestroyed: ['A channel was destroyed.', {
    cause: prop('int', 'Q.850 cause of the hangup.', true),
    cause_txt: prop('string', 'Text of the cause.', true),
    tech_cause: prop('int', 'Technology cause (SIP response).'),
    channel: channelProp('The channel.')
  }],
  ChannelDialplan: ['A channel moved in the dialplan.', {
    channel: channelProp('The channel.'),
    dialplan_app: prop('string', 'Application about to run.', true),
    dialplan_app_data: prop('string', 'Its arguments.', true)
  }],
  ChannelDtmfReceived: ['A DTMF digit ended on a channel.', {
    digit: prop('string', 'The digit: 0-9, A-E, # or *.', true),
    duration_ms: prop('int', 'How long it lasted.', true),
    channel: channelProp('The channel.')
  }],
  ChannelEnteredBridge: ['A channel entered a bridge.', { bridge: prop('Bridge', 'The bridge.', true), channel: channelProp('The channel.', false) }],
  ChannelHangupRequest: ['A hangup was asked for on a channel.', {
    cause: prop('int', 'Cause of the hangup.'),
    tech_cause: prop('int', 'Technology cause (SIP response).'),
    soft: prop('boolean', 'Whether it is a soft hangup request.'),
    channel: channelProp('The channel.')
  }],
  ChannelLeftBridge: ['A channel left a bridge.', { bridge: prop('Bridge', 'The bridge.', true), channel: channelProp('The channel.') }],
  ChannelStateChange: ['A channel\'s state changed.', { channel: channelProp('The channel.') }],
  ChannelVarset: ['A channel variable was set.', {
    variable: prop('string', 'The variable.', true),
    value: prop('string', 'Its new value.', true),
    channel: channelProp('The channel; absent for a global variable.', false)
  }],
  Dial: ['A dial changed state.', {
    caller: channelProp('The calling channel.', false),
    peer: channelProp('The dialled channel.'),
    forward: prop('string', 'Forwarding target.'),
    forwarded: channelProp('The channel forwarded to.', false),
    dialstring: prop('string', 'What was dialled.'),
    dialstatus: prop('string', 'RINGING, PROGRESS, ANSWER, BUSY, CONGESTION, CHANUNAVAIL, NOANSWER, CANCEL… or "" when the dial starts.', true)
  }],
  PlaybackContinuing: ['A playback went on to its next medium.', { playback: prop('Playback', 'The playback.', true) }],
  PlaybackFinished: ['A playback ended.', { playback: prop('Playback', 'The playback.', true) }],
  PlaybackStarted: ['A playback started.', { playback: prop('Playback', 'The playback.', true) }],
  StasisEnd: ['A channel left a Stasis application.', { channel: channelProp('The channel.') }],
  StasisStart: ['A channel entered a Stasis application.', {
    args: prop('List[string]', 'Arguments to the application.', true),
    channel: channelProp('The channel.'),
    replace_channel: channelProp('The channel it replaces.', false)
  }]
}

export const EVENT_TYPES: readonly string[] = Object.keys(EVENTS)

export const EVENT_MODELS: Record<string, Model> = {
  Message: model('Message', 'Base type of errors and events.', {
    type: prop('string', 'Type of the message.', true),
    asterisk_id: prop('string', 'Entity id of the Asterisk that sent it.')
  }, { discriminator: 'type', subTypes: ['MissingParams', 'Event'] }),
  MissingParams: model('MissingParams', 'Required parameters were missing.', {
    params: prop('List[string]', 'The missing parameters.', true)
  }, { extends: 'Message' }),
  Event: model('Event', 'Base type of Asterisk\'s events.', {
    application: prop('string', 'Application that gets the event.', true),
    timestamp: prop('Date', 'When the event was raised.', true)
  }, { extends: 'Message', subTypes: EVENT_TYPES }),
  ...Object.fromEntries(Object.entries(EVENTS).map(([id, [description, properties]]) =>
    [id, model(id, description, properties, { extends: 'Event' })]))
}
