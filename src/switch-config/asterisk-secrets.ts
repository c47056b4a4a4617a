// hotline-asterisk-secrets: the script that writes the two files ari.conf and pjsip.conf
// #include, from the environment, on the switch's host. Asterisk expands no environment
// variables in its configuration, so the values must be written into files it reads; only
// hashes are written (crypt for ARI, password_digest for the phones).

import { type SwitchSite, PHONE_REALM } from './site.js'

const REQUIRE_DEPARTMENT = ': "${DEPARTMENT_PASSWORD:?must be set: the department trunk wants credentials (switch.site.departmentAuth)}"\n'

export function secretsScript (site: SwitchSite): string {
  const trunk = site.asterisk.trunk
  const phones = site.phones.map((p) => `phone ${p.extension} "\${${p.passwordEnv}:-}" ${p.passwordEnv}`).join('\n')
  return `#!/bin/sh
# Written by \`npm run switch-config\` from config/*.yaml.
# Writes ari_hotline_secret.conf and pjsip_hotline_secrets.conf into the Asterisk
# configuration folder from the environment. Run it as root before Asterisk starts and after
# changing a password (then: asterisk -rx 'module reload res_ari.so'; asterisk -rx 'pjsip reload').
#
#   ARI_PASSWORD                         the controller's ARI password (it gets the same)
#   PHONE_PASSWORD_<extension>           each agent phone's SIP password (the phone gets the same)
#   DEPARTMENT_USER, DEPARTMENT_PASSWORD only if the department trunk challenges INVITEs
#   ASTERISK_ETC                         the folder (default: this script's folder)
#   ASTERISK_GROUP                       group that may read the files (default: the folder's)
set -eu
etc=\${ASTERISK_ETC:-$(cd "$(dirname "$0")" && pwd)}
group=\${ASTERISK_GROUP:-$(stat -c %g "$etc")}
realm=${PHONE_REALM}
umask 077
tmp=$(mktemp -d "$etc/.hotline-secrets.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# A value as Asterisk reads it: ';' starts a comment unless escaped.
conf_value() { printf '%s' "$1" | sed 's/;/\\\\;/g'; }

: "\${ARI_PASSWORD:?must be set}"
{
  echo '[${site.asterisk.ariUser}](+)'
  echo "password = $(printf '%s\\n' "$ARI_PASSWORD" | openssl passwd -6 -stdin)"
} > "$tmp/ari"

phone() {
  [ -n "$2" ] || { echo "$3 must be set" >&2; exit 1; }
  digest=$(printf '%s' "$1:$realm:$2" | openssl dgst -md5 -r | cut -d' ' -f1)
  printf '[%s-auth](+)\\npassword_digest = MD5:%s\\n\\n' "$1" "$digest"
}
{
${phones.split('\n').map((line) => `  ${line}`).join('\n')}
} > "$tmp/pjsip"

${site.departmentTrunk.auth ? REQUIRE_DEPARTMENT : ''}if [ -n "\${DEPARTMENT_PASSWORD:-}" ]; then
  # Checked before the here-document: a failure inside its $(...) would not stop the script.
  : "\${DEPARTMENT_USER:?must be set with DEPARTMENT_PASSWORD}"
  cat >> "$tmp/pjsip" <<END
[${trunk}-auth]
type = auth
auth_type = digest
username = $(conf_value "$DEPARTMENT_USER")
password = $(conf_value "$DEPARTMENT_PASSWORD")
END
fi

for f in ari pjsip; do
  chgrp "$group" "$tmp/$f"
  chmod 640 "$tmp/$f"
done
mv "$tmp/ari" "$etc/ari_hotline_secret.conf"
mv "$tmp/pjsip" "$etc/pjsip_hotline_secrets.conf"
`
}
