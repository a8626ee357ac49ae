// Q&A's engine part (no React): the board (a RoomStateFeature, live from the function) and its actions.
export { QuestionBoard, type QuestionBoardState, type QuestionNews } from './question-board.ts'
