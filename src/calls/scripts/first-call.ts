// The first call, before flows are data: greeting, a key press (up to three tries), goodbye.
// It exercises every switch operation an IVR needs: answer, play, collect digits, hang up.

import type { CallScript } from '../call-context.js'

export const firstCallScript: CallScript = async (ctx) => {
  await ctx.play('welcome')
  for (let attempt = 1; attempt <= 3; attempt++) {
    const input = await ctx.collect({ prompt: 'first-call-menu', minDigits: 1, maxDigits: 1, timeoutMs: 5000 })
    if (input.digits !== '') {
      ctx.choose('firstKey', input.digits)
      await ctx.play('goodbye')
      return { reason: 'goodbye' }
    }
    await ctx.play('no-input')
  }
  await ctx.play('goodbye')
  return { reason: 'no input' }
}
