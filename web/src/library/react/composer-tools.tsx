import type { ComponentType } from 'react'
import type { ChatClient } from '../engine/chat-client.ts'
import { PollButton } from '../features/polls/index.ts'

/** A button of the composer's row that a feature brings (before Attach file, Insert emoji, Send). */
export type ComposerTool = ComponentType<{ client: ChatClient; disabled: boolean }>

/** Every feature's composer tool, registered here once (a new feature: one line). */
export const COMPOSER_TOOLS: readonly ComposerTool[] = [PollButton]
