import type { ReactElement } from 'react'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { CallControls } from './call-controls.tsx'

// daily-react's state only fills in from a live call, so the hooks are stood in for here. The
// controls use no React hook of their own, so calling the component returns its buttons and
// their handlers can be pressed without a DOM.
const daily = vi.hoisted(() => ({
  localSessionId: 'session-local',
  micOff: false,
  cameraOff: true,
  call: { setLocalAudio: vi.fn(), setLocalVideo: vi.fn() },
}))

vi.mock('@daily-co/daily-react', () => ({
  useDaily: () => daily.call,
  useLocalSessionId: () => daily.localSessionId,
  useAudioTrack: (id: string) => ({ isOff: id !== daily.localSessionId || daily.micOff }),
  useVideoTrack: (id: string) => ({ isOff: id !== daily.localSessionId || daily.cameraOff }),
}))

type ButtonProps = {
  children: string
  'aria-pressed'?: boolean
  disabled?: boolean
  onClick: () => void
}

function buttons(onLeave = () => {}) {
  const group = CallControls({ onLeave }) as ReactElement<{ children: ReactElement[] }>
  const found = new Map<string, ButtonProps>()
  for (const button of group.props.children) {
    const props = button.props as ButtonProps
    found.set(props.children, props)
  }
  return found
}

const button = (name: string, onLeave?: () => void) => {
  const props = buttons(onLeave).get(name)
  if (!props) throw new Error(`no ${name} button`)
  return props
}

beforeEach(() => {
  daily.localSessionId = 'session-local'
  daily.micOff = false
  daily.cameraOff = true
  daily.call.setLocalAudio.mockClear()
  daily.call.setLocalVideo.mockClear()
})

describe('CallControls', () => {
  it('shows the local tracks as pressed (on) or not', () => {
    expect(button('Microphone')['aria-pressed']).toBe(true)
    expect(button('Camera')['aria-pressed']).toBe(false)
  })

  it('turns the microphone off when on, and the camera on when off', () => {
    button('Microphone').onClick()
    button('Camera').onClick()

    expect(daily.call.setLocalAudio).toHaveBeenCalledWith(false)
    expect(daily.call.setLocalVideo).toHaveBeenCalledWith(true)
  })

  it('turns the microphone back on when muted', () => {
    daily.micOff = true

    button('Microphone').onClick()

    expect(daily.call.setLocalAudio).toHaveBeenCalledWith(true)
  })

  it('disables the toggles until this session is in the call', () => {
    daily.localSessionId = ''

    expect(button('Microphone').disabled).toBe(true)
    expect(button('Camera').disabled).toBe(true)
    expect(button('Leave').disabled).toBeUndefined()
  })

  it('calls onLeave from the Leave button', () => {
    const onLeave = vi.fn()

    button('Leave', onLeave).onClick()

    expect(onLeave).toHaveBeenCalledOnce()
  })
})
