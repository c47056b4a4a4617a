// The Asterisk 22 modules the line loads (modules.conf, autoload = no), each with why. With
// autoload off the loader pulls in no dependency by itself, so they are listed too.
export const ASTERISK_MODULES = [
  'logger.so',
  'res_timing_timerfd.so', // timing for bridges and playbacks
  'codec_alaw.so', 'codec_ulaw.so',
  'format_pcm.so', 'format_wav.so', // the prompts: .alaw/.ulaw, .wav
  'pbx_config.so', // extensions.conf
  'app_stasis.so', // Stasis(): calls to the controller
  'func_global.so', // GLOBAL(): the dialplan's turn among several controllers' applications
  'func_timeout.so', // TIMEOUT(absolute): the safety net the controller re-arms on callers' channels
  'app_playback.so', // Playback(): the safety net's apology, played by the dialplan
  'res_sorcery_config.so', 'res_sorcery_memory.so', 'res_sorcery_astdb.so',
  'res_pjproject.so', 'res_geolocation.so', 'res_statsd.so', 'res_srtp.so', 'res_rtp_asterisk.so',
  'res_pjsip.so', 'res_pjsip_session.so', 'res_pjsip_pubsub.so', 'chan_pjsip.so',
  'res_pjsip_sdp_rtp.so',
  'res_pjsip_acl.so', // pjsip.conf [acl]
  'res_pjsip_endpoint_identifier_ip.so', // the trunks, by address
  'res_pjsip_endpoint_identifier_user.so', // the phones, by user
  'res_pjsip_authenticator_digest.so', 'res_pjsip_outbound_authenticator_digest.so',
  'res_pjsip_registrar.so', // the phones register
  'res_pjsip_dtmf_info.so', // SIP INFO digits
  'res_pjsip_caller_id.so', 'res_pjsip_rfc3326.so', 'res_pjsip_nat.so',
  'res_pjsip_logger.so', // `pjsip set logger on` when something goes wrong
  'res_http_websocket.so', 'res_websocket_client.so',
  'res_ari.so', 'res_ari_model.so', 'res_ari_asterisk.so', 'res_ari_applications.so', 'res_ari_channels.so',
  'res_ari_bridges.so', 'res_ari_endpoints.so', 'res_ari_events.so', 'res_ari_playbacks.so', 'res_ari_sounds.so',
  'res_stasis.so', 'res_stasis_answer.so', 'res_stasis_playback.so', 'res_stasis_snoop.so',
  'res_stasis_recording.so', // needed by res_ari_channels and res_ari_bridges
  'bridge_simple.so', 'bridge_softmix.so', 'bridge_native_rtp.so', 'bridge_holding.so', 'chan_bridge_media.so',
  'res_musiconhold.so'
] as const
