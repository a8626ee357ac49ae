import { ChatPanel } from './chat-panel.tsx'
import { type BackchannelOptions, useBackchannel } from './use-backchannel.ts'

export interface BackchannelChatProps extends BackchannelOptions {
  /** Added to the root element (class `backchannel`), e.g. to place it in the host's layout. */
  className?: string
}

/**
 * The chat column for a Daily app, inside its `DailyProvider`: participants, the conversation,
 * typing, the composer, files and the transcript, over the host's own call.
 *
 * @example
 * <DailyProvider callObject={call}>
 *   <BackchannelChat functionUrl={functionUrl} getToken={() => token} />
 * </DailyProvider>
 */
export function BackchannelChat({ className, ...options }: BackchannelChatProps) {
  return <ChatPanel chat={useBackchannel(options)} className={className} />
}
