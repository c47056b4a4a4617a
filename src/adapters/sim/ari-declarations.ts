// The Swagger resource listing and API declarations the simulator serves at
// /ari/api-docs/, written from the ARI REST API reference (docs.asterisk.org, Asterisk 22:
// Asterisk, Channels, Bridges, Playbacks, Applications and Events REST API pages): paths,
// nicknames, parameter names and types, response classes. ari-client builds
// `client.<resource>.<nickname>(…)` from them, putting each parameter where its `paramType`
// says (path, query, body). Only the operations the simulator implements are declared, so an
// adapter can call nothing here that is not simulated.
// Like Asterisk (capture 00_connect.txt: swaggerVersion 1.1, apiVersion 10.0.0), the
// `basePath` is the absolute URL the client reached ARI at.

import {
  APPLICATION_MODELS, ASTERISK_MODELS, BRIDGE_MODELS, CHANNEL_MODELS, EVENT_MODELS, PLAYBACK_MODELS, SOUND_MODELS
} from './ari-models.js'

export const API_VERSION = '10.0.0'

type Json = Record<string, unknown>

interface ParamOptions {
  required?: boolean
  multiple?: boolean
  defaultValue?: string | number | boolean
  values?: string[]
}

function pathParam (name: string, description: string): Json {
  return { name, description, paramType: 'path', required: true, allowMultiple: false, dataType: 'string' }
}

function query (name: string, dataType: string, description: string, options: ParamOptions = {}): Json {
  return {
    name,
    description,
    paramType: 'query',
    required: options.required ?? false,
    allowMultiple: options.multiple ?? false,
    dataType,
    ...(options.defaultValue === undefined ? {} : { defaultValue: options.defaultValue }),
    ...(options.values === undefined ? {} : { allowableValues: { valueType: 'LIST', values: options.values } })
  }
}

const variablesBody: Json = {
  name: 'variables',
  description: 'The "variables" key holds channel variables to set; other keys count as query parameters.',
  paramType: 'body',
  required: false,
  allowMultiple: false,
  dataType: 'containers'
}

function op (httpMethod: string, nickname: string, summary: string, responseClass: string, parameters: Json[] = [], errors: Array<[number, string]> = []): Json {
  return {
    httpMethod,
    summary,
    nickname,
    responseClass,
    parameters,
    errorResponses: errors.map(([code, reason]) => ({ code, reason }))
  }
}

function api (path: string, description: string, ...operations: Json[]): Json {
  return { path, description, operations }
}

const channelId = pathParam('channelId', 'Channel id')
const bridgeId = pathParam('bridgeId', 'Bridge id')
const playbackId = pathParam('playbackId', 'Playback id')
const notFound: Array<[number, string]> = [[404, 'Channel not found'], [409, 'Channel not in a Stasis application']]
const stateErrors: Array<[number, string]> = [...notFound, [412, 'Channel in invalid state']]

const originateParams = (withId: boolean): Json[] => [
  query('endpoint', 'string', 'Endpoint to call, e.g. PJSIP/<number>@<trunk>.', { required: true }),
  query('extension', 'string', 'Extension to dial after the endpoint answers.'),
  query('context', 'string', 'Context to dial after the endpoint answers.'),
  query('priority', 'long', 'Priority to dial after the endpoint answers.'),
  query('label', 'string', 'Label to dial after the endpoint answers.'),
  query('app', 'string', 'Stasis application that gets the channel.'),
  query('appArgs', 'string', 'Arguments passed to the Stasis application.'),
  query('callerId', 'string', 'Caller ID of the call.'),
  query('timeout', 'int', 'Seconds before giving up dialling, -1 for never.', { defaultValue: 30 }),
  variablesBody,
  ...(withId ? [] : [query('channelId', 'string', 'Id to give the new channel.')]),
  query('otherChannelId', 'string', 'Id of the second channel of a Local channel.'),
  query('originator', 'string', 'Channel that asked for this one.'),
  query('formats', 'string', 'Comma-separated formats to offer.')
]

const playParams = (withId: boolean): Json[] => [
  query('media', 'string', 'Media URIs to play, in order (sound:, recording:, number:, digits:, characters:, tone:).', { required: true, multiple: true }),
  query('lang', 'string', 'Language for the sounds.'),
  query('offsetms', 'int', 'Milliseconds to skip before playing (first medium only).'),
  query('skipms', 'int', 'Milliseconds to skip on forward/reverse.', { defaultValue: 3000 }),
  ...(withId ? [] : [query('playbackId', 'string', 'Id to give the playback.')])
]

function channelsApis (): Json[] {
  return [
    api('/channels', 'Active channels',
      op('GET', 'list', 'List all active channels.', 'List[Channel]'),
      op('POST', 'originate', 'Create a channel and dial it (originate).', 'Channel', originateParams(false),
        [[400, 'Invalid parameters for originating a channel.'], [409, 'Channel with given unique ID already exists.']])),
    api('/channels/create', 'Create a channel and place it in a Stasis app, without dialling it.',
      op('POST', 'create', 'Create channel.', 'Channel', [
        query('endpoint', 'string', 'Endpoint for the channel.', { required: true }),
        query('app', 'string', 'Stasis application to place the channel in.', { required: true }),
        query('appArgs', 'string', 'Arguments passed to the Stasis application.'),
        query('channelId', 'string', 'Id to give the new channel.'),
        query('otherChannelId', 'string', 'Id of the second channel of a Local channel.'),
        query('originator', 'string', 'Channel that asked for this one.'),
        query('formats', 'string', 'Comma-separated formats to offer.'),
        variablesBody
      ], [[409, 'Channel with given unique ID already exists.']])),
    api('/channels/{channelId}', 'Active channel',
      op('GET', 'get', 'Channel details.', 'Channel', [channelId], [[404, 'Channel not found']]),
      op('POST', 'originateWithId', 'Create a channel with a given id and dial it.', 'Channel', [channelId, ...originateParams(true)],
        [[400, 'Invalid parameters for originating a channel.'], [409, 'Channel with given unique ID already exists.']]),
      op('DELETE', 'hangup', 'Hang a channel up.', 'void', [
        channelId,
        query('reason_code', 'string', 'Q.850 cause to hang up with.'),
        query('reason', 'string', 'Reason to hang up with.', {
          values: ['normal', 'busy', 'congestion', 'no_answer', 'timeout', 'rejected', 'unallocated', 'normal_unspecified',
            'number_incomplete', 'codec_mismatch', 'interworking', 'failure', 'answered_elsewhere']
        })
      ], [[400, 'Invalid reason for hangup provided'], [404, 'Channel not found']])),
    api('/channels/{channelId}/continue', 'Leave the Stasis application for the dialplan',
      op('POST', 'continueInDialplan', 'Leave the application; continue in the dialplan.', 'void', [
        channelId,
        query('context', 'string', 'Context to continue to.'),
        query('extension', 'string', 'Extension to continue to.'),
        query('priority', 'int', 'Priority to continue to.'),
        query('label', 'string', 'Label to continue to.')
      ], stateErrors)),
    api('/channels/{channelId}/move', 'Move the channel from one Stasis application to another',
      op('POST', 'move', 'Move the channel from one Stasis application to another.', 'void', [
        channelId,
        query('app', 'string', 'The channel will be passed to this Stasis application.', { required: true }),
        query('appArgs', 'string', 'The application arguments to pass to the Stasis application provided by \'app\'.')
      ], notFound)),
    api('/channels/{channelId}/answer', 'Answer a channel',
      op('POST', 'answer', 'Answer a channel.', 'void', [channelId], stateErrors)),
    api('/channels/{channelId}/ring', 'Ringing indication',
      op('POST', 'ring', 'Indicate ringing to a channel.', 'void', [channelId], stateErrors),
      op('DELETE', 'ringStop', 'Stop the ringing indication.', 'void', [channelId], stateErrors)),
    api('/channels/{channelId}/play', 'Play media to a channel',
      op('POST', 'play', 'Start playback of media.', 'Playback', [channelId, ...playParams(false)], stateErrors)),
    api('/channels/{channelId}/play/{playbackId}', 'Play media to a channel with a given playback id',
      op('POST', 'playWithId', 'Start playback of media with a given playback id.', 'Playback',
        [channelId, playbackId, ...playParams(true)], stateErrors)),
    api('/channels/{channelId}/variable', 'Variables on a channel',
      op('GET', 'getChannelVar', 'Get the value of a channel variable or function.', 'Variable', [
        channelId, query('variable', 'string', 'The channel variable or function to get', { required: true })
      ], [[400, 'Missing variable parameter.'], [404, 'Channel or variable not found'], [409, 'Channel not in a Stasis application']]),
      op('POST', 'setChannelVar', 'Set the value of a channel variable or function.', 'void', [
        channelId,
        query('variable', 'string', 'The channel variable or function to set', { required: true }),
        query('value', 'string', 'The value to set the variable to')
      ], [[400, 'Missing variable parameter.'], [404, 'Channel not found'], [409, 'Channel not in a Stasis application']])),
    api('/channels/{channelId}/dial', 'Dial a channel made with /channels/create',
      op('POST', 'dial', 'Dial a created channel.', 'void', [
        channelId,
        query('caller', 'string', 'Channel to take caller information from.'),
        query('timeout', 'int', 'Seconds before giving up dialling.', { defaultValue: 0 })
      ], [...notFound, [409, 'Channel cannot be dialled.']]))
  ]
}

function bridgesApis (): Json[] {
  const createParams = [
    query('type', 'string', 'Comma-separated bridge properties (mixing, holding, dtmf_events, proxy_media, video_sfu, video_single, sdp_label).'),
    query('name', 'string', 'Name to give the bridge.')
  ]
  const channel = query('channel', 'string', 'Ids of the channels.', { required: true, multiple: true })
  return [
    api('/bridges', 'Active bridges',
      op('GET', 'list', 'List all active bridges.', 'List[Bridge]'),
      op('POST', 'create', 'Create a bridge.', 'Bridge', [...createParams, query('bridgeId', 'string', 'Id to give the bridge.')])),
    api('/bridges/{bridgeId}', 'Individual bridge',
      op('POST', 'createWithId', 'Create a bridge with a given id.', 'Bridge', [bridgeId, ...createParams], [[409, 'Bridge with this ID already exists']]),
      op('GET', 'get', 'Bridge details.', 'Bridge', [bridgeId], [[404, 'Bridge not found']]),
      op('DELETE', 'destroy', 'Shut a bridge down; its channels stay in Stasis.', 'void', [bridgeId], [[404, 'Bridge not found']])),
    api('/bridges/{bridgeId}/addChannel', 'Add a channel to a bridge',
      op('POST', 'addChannel', 'Add channels to a bridge.', 'void', [
        bridgeId, channel,
        query('role', 'string', 'Role of the channels in the bridge.'),
        query('absorbDTMF', 'boolean', 'Absorb DTMF coming from these channels.', { defaultValue: false }),
        query('mute', 'boolean', 'Mute audio from these channels.', { defaultValue: false }),
        query('inhibitConnectedLineUpdates', 'boolean', 'Do not update connected lines.', { defaultValue: false })
      ], [[400, 'Channel not found'], [404, 'Bridge not found'], [409, 'Bridge not in Stasis application'], [422, 'Channel not in Stasis application']])),
    api('/bridges/{bridgeId}/removeChannel', 'Remove a channel from a bridge',
      op('POST', 'removeChannel', 'Remove channels from a bridge.', 'void', [bridgeId, channel],
        [[400, 'Channel not found'], [404, 'Bridge not found'], [422, 'Channel not in this bridge']])),
    api('/bridges/{bridgeId}/play', 'Play media to the participants of a bridge',
      op('POST', 'play', 'Start playback of media on a bridge.', 'Playback', [bridgeId, ...playParams(false)], [[404, 'Bridge not found']])),
    api('/bridges/{bridgeId}/play/{playbackId}', 'Play media to a bridge with a given playback id',
      op('POST', 'playWithId', 'Start playback of media on a bridge with a given playback id.', 'Playback',
        [bridgeId, playbackId, ...playParams(true)], [[404, 'Bridge not found']]))
  ]
}

const DECLARATIONS: Record<string, { description: string, apis: () => Json[], models: Record<string, unknown> }> = {
  asterisk: {
    description: 'Asterisk resources',
    apis: () => [
      api('/asterisk/info', 'Asterisk system information',
        op('GET', 'getInfo', 'Gets Asterisk system information.', 'AsteriskInfo', [
          query('only', 'string', 'Filter information returned.', { multiple: true, values: ['build', 'system', 'config', 'status'] })
        ])),
      api('/asterisk/ping', 'Asterisk ping', op('GET', 'ping', 'Response pong message.', 'AsteriskPing'))
    ],
    models: ASTERISK_MODELS
  },
  channels: { description: 'Channel resources', apis: channelsApis, models: CHANNEL_MODELS },
  bridges: { description: 'Bridge resources', apis: bridgesApis, models: BRIDGE_MODELS },
  playbacks: {
    description: 'Playback control resources',
    apis: () => [
      api('/playbacks/{playbackId}', 'Control object for a playback operation',
        op('GET', 'get', 'Get a playback\'s details.', 'Playback', [playbackId], [[404, 'The playback cannot be found']]),
        op('DELETE', 'stop', 'Stop a playback.', 'void', [playbackId], [[404, 'The playback cannot be found']]))
    ],
    models: PLAYBACK_MODELS
  },
  events: {
    description: 'WebSocket resource',
    apis: () => [
      api('/events', 'Events from Asterisk to applications',
        { ...op('GET', 'eventWebsocket', 'WebSocket connection for events.', 'Message', [
          query('app', 'string', 'Applications to subscribe to.', { required: true, multiple: true }),
          query('subscribeAll', 'boolean', 'Subscribe to all Asterisk events.')
        ]), upgrade: 'websocket', websocketProtocol: 'ari' })
    ],
    models: EVENT_MODELS
  },
  sounds: {
    description: 'Sound resources',
    apis: () => [
      api('/sounds', 'Sounds', op('GET', 'list', 'List all sounds.', 'List[Sound]', [
        query('lang', 'string', 'Lookup sound for a specific language.'),
        query('format', 'string', 'Lookup sound in a specific format.')
      ])),
      api('/sounds/{soundId}', 'Individual sound',
        op('GET', 'get', 'Get a sound\'s details.', 'Sound', [pathParam('soundId', 'Sound\'s id')], [[404, 'Sound not found']]))
    ],
    models: SOUND_MODELS
  },
  applications: {
    description: 'Stasis application resources',
    apis: () => [
      api('/applications', 'Stasis applications', op('GET', 'list', 'List all applications.', 'List[Application]')),
      api('/applications/{applicationName}', 'Stasis application',
        op('GET', 'get', 'Get details of an application.', 'Application',
          [pathParam('applicationName', 'Application\'s name')], [[404, 'Application does not exist.']])),
      api('/applications/{applicationName}/subscription', 'Stasis application',
        op('POST', 'subscribe', 'Subscribe an application to a event source.', 'Application', [
          pathParam('applicationName', 'Application\'s name'),
          query('eventSource', 'string', 'URI for event source (channel:{channelId}, bridge:{bridgeId}, endpoint:{tech}[/{resource}], deviceState:{deviceName}', { required: true, multiple: true })
        ], [[400, 'Missing parameter.'], [404, 'Application does not exist.'], [422, 'Event source does not exist.']]))
    ],
    models: APPLICATION_MODELS
  }
}

/** The declared resources, in the order Asterisk lists them. */
export const RESOURCE_NAMES: readonly string[] = Object.keys(DECLARATIONS)

/** GET /ari/api-docs/resources.json. */
export function resourceListing (basePath: string): Json {
  return {
    apiVersion: API_VERSION,
    swaggerVersion: '1.1',
    basePath,
    apis: RESOURCE_NAMES.map((name) => ({ path: `/api-docs/${name}.{format}`, description: DECLARATIONS[name]?.description ?? '' }))
  }
}

/** GET /ari/api-docs/<name>.json, or undefined for a resource not declared. */
export function apiDeclaration (name: string, basePath: string): Json | undefined {
  const declaration = Object.hasOwn(DECLARATIONS, name) ? DECLARATIONS[name] : undefined
  if (declaration === undefined) return undefined
  return {
    apiVersion: API_VERSION,
    swaggerVersion: '1.2',
    basePath,
    resourcePath: `/api-docs/${name}.{format}`,
    requiresAuthentication: true,
    apis: declaration.apis(),
    models: declaration.models
  }
}
