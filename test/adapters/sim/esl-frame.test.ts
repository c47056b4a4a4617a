import t from 'tap'
import {
  apiResponse, commandReply, CommandParser, disconnectNotice, eventFrame, FrameError, fsUrlEncode,
  GOODBYE_NOTICE, serializeJson, serializePlain, serializeXml, type Header
} from '../../../src/adapters/sim/esl-frame.js'

void t.test('replies are framed as mod_event_socket writes them', async (t) => {
  t.equal(commandReply('+OK accepted').toString(), 'Content-Type: command/reply\nReply-Text: +OK accepted\n\n')
  const job = '7c63bb6d-2d43-4deb-ac4f-74e0c7f53ff4'
  // capture 04: 139 bytes, the Job-UUID header after Reply-Text
  const bgapi = commandReply(`+OK Job-UUID: ${job}`, [['Job-UUID', job]])
  t.equal(bgapi.toString(), `Content-Type: command/reply\nReply-Text: +OK Job-UUID: ${job}\nJob-UUID: ${job}\n\n`)
  t.equal(bgapi.length, 139)
  t.equal(apiResponse('-ERR No such channel!\n').toString(), 'Content-Type: api/response\nContent-Length: 22\n\n-ERR No such channel!\n')
  // capture 99: 67 bytes of goodbye
  t.equal(disconnectNotice(GOODBYE_NOTICE).toString(),
    'Content-Type: text/disconnect-notice\nContent-Length: 67\n\nDisconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n')
  t.equal(apiResponse('中文\n').toString(), 'Content-Type: api/response\nContent-Length: 7\n\n中文\n', 'Content-Length counts bytes')
})

void t.test('header values are url-encoded the way switch_url_encode does it', async (t) => {
  t.equal(fsUrlEncode('sofia/internal/8101@127.0.0.1:5170'), 'sofia/internal/8101%40127.0.0.1%3A5170')
  t.equal(fsUrlEncode('a b+c&d#e"f'), 'a%20b%2Bc%26d%23e%22f')
  t.equal(fsUrlEncode('line\r\nbreak'), 'line%0D%0Abreak')
  t.equal(fsUrlEncode('张三'), '%E5%BC%A0%E4%B8%89', 'UTF-8 byte by byte')
  t.equal(fsUrlEncode('100%'), '100%25', 'a stray % is encoded')
  t.equal(fsUrlEncode('tone_stream://%(300,100,440)'), 'tone_stream%3A//%25(300,100,440)')
  t.equal(fsUrlEncode('%41%4x'), '%41%254x', 'a % before two upper-case hex digits is kept (signalwire/freeswitch#85)')
  for (const value of ['张三 <13812345678>', 'v=0\r\no=- 1 IN IP4 1.2.3.4\r\n', '50% off {x=1}', '']) {
    t.equal(decodeURIComponent(fsUrlEncode(value)), value, `modesl decodes ${JSON.stringify(value)} back`)
  }
})

void t.test('events serialize as plain, json and xml', async (t) => {
  const headers: Header[] = [['Event-Name', 'BACKGROUND_JOB'], ['Job-UUID', 'j1'], ['Job-Command-Arg', ''], ['X', 'a b']]
  const plain = serializePlain(headers, '+OK abc\n')
  t.equal(plain, 'Event-Name: BACKGROUND_JOB\nJob-UUID: j1\nJob-Command-Arg: _undef_\nX: a%20b\nContent-Length: 8\n\n+OK abc\n')
  t.equal(serializePlain(headers.slice(0, 2), undefined), 'Event-Name: BACKGROUND_JOB\nJob-UUID: j1\n\n', 'no body: a blank line ends it')

  const json = serializeJson(headers, '+OK abc\n')
  t.same(JSON.parse(json), {
    'Event-Name': 'BACKGROUND_JOB', 'Job-UUID': 'j1', 'Job-Command-Arg': '', X: 'a b', 'Content-Length': '8', _body: '+OK abc\n'
  }, 'a flat object of strings, Content-Length and _body last (capture 04)')
  t.equal(serializeJson([['Hangup-Cause', 'A'], ['Hangup-Cause', 'B']], undefined), '{"Hangup-Cause":"A","Hangup-Cause":"B"}',
    'repeated names are kept, as cJSON does (capture 99)')

  const xml = serializeXml([['Event-Name', 'X'], ['Caller', 'a<b & "c"']], 'body')
  t.match(xml, /^<event>\n {2}<headers>\n {4}<Event-Name>X<\/Event-Name>\n/)
  t.match(xml, /<Caller>a%3Cb%20%26%20%22c%22<\/Caller>/)
  t.match(xml, /<Content-Length>4<\/Content-Length>\n {2}<body>body<\/body>\n<\/event>$/)

  const frame = eventFrame('json', [['Event-Name', '名字']], undefined).toString()
  const [head = '', body = ''] = frame.split('\n\n')
  t.equal(head, `Content-Length: ${Buffer.byteLength(body)}\nContent-Type: text/event-json`, 'Content-Length first, in bytes')
  t.same(JSON.parse(body), { 'Event-Name': '名字' })
})

void t.test('the command parser splits client bytes as read_packet does', async (t) => {
  const parser = new CommandParser()
  const many = parser.push(Buffer.from('auth ClueCon\n\nevent json ALL\n\napi status\n\n'))
  t.same(many.map((c) => c.line), ['auth ClueCon', 'event json ALL', 'api status'], 'several commands in one chunk')

  const bytes = Buffer.from('sendmsg abc\r\ncall-command: execute\r\nexecute-app-name:   playback\r\nnot a header\r\nEvent-UUID: u1\r\n\r\n')
  let got: ReturnType<CommandParser['push']> = []
  for (const byte of bytes) {
    t.equal(got.length, 0)
    got = parser.push(Buffer.from([byte]))
  }
  t.equal(got.length, 1, 'one byte at a time, CRLF lines')
  const command = got[0]
  t.equal(command?.line, 'sendmsg abc')
  t.same(command?.headers, [['call-command', 'execute'], ['execute-app-name', 'playback'], ['Event-UUID', 'u1']],
    'leading spaces of a value dropped, lines without a colon ignored')
  t.equal(command?.header('EVENT-uuid'), 'u1', 'header names match whatever their case')
  t.equal(parser.hasPartial, false)

  t.same(parser.push(Buffer.from('\n\r\n\napi version\n')).length, 0, 'blank lines before a command are skipped')
  t.equal(parser.hasPartial, true, 'half a command is pending')
  t.same(parser.push(Buffer.from('\n')).map((c) => c.line), ['api version'])
})

void t.test('a Content-Length body is read whole, in bytes', async (t) => {
  const parser = new CommandParser()
  const body = 'execute-app-name: playback\n你好'
  const head = `sendmsg x\ncontent-type: text/plain\nContent-Length: ${Buffer.byteLength(body)}\n\n`
  const bytes = Buffer.from(head + body + 'exit\n\n')
  t.same(parser.push(bytes.subarray(0, head.length + 3)), [])
  t.equal(parser.hasPartial, true, 'waiting for the body')
  const rest = parser.push(bytes.subarray(head.length + 3))
  t.equal(rest.length, 2)
  t.equal(rest[0]?.body, body)
  t.equal(rest[1]?.line, 'exit')
})

void t.test('a frame without end is cut at the limit; an oversized body is refused', async (t) => {
  const parser = new CommandParser(64)
  const commands = parser.push(Buffer.alloc(100, 'A'))
  t.equal(commands.length, 1, 'cut at 64 bytes and parsed as it is')
  t.equal(commands[0]?.line, 'A'.repeat(64))
  t.equal(parser.hasPartial, true, 'the rest starts the next frame')
  const strict = new CommandParser(64)
  t.throws(() => strict.push(Buffer.from('sendmsg x\nContent-Length: 1000\n\n')), FrameError)
})
